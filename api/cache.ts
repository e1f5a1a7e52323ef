// A small least-recently-used map of promises. Concurrent askers of the same key share one upstream
// request; a failed request is forgotten so that the next asker tries again.

export class PromiseCache<V> {
  private readonly entries = new Map<string, Promise<V>>();
  hits = 0;
  misses = 0;

  constructor(private readonly capacity: number) {}

  get size() {
    return this.entries.size;
  }

  get(key: string, load: () => Promise<V>): Promise<V> {
    if (this.capacity === 0) return load();
    const found = this.entries.get(key);
    if (found) {
      this.hits++;
      // Re-insert: Map iteration order is insertion order, so the first key is the least recent.
      this.entries.delete(key);
      this.entries.set(key, found);
      return found;
    }
    this.misses++;
    const promise = load();
    this.entries.set(key, promise);
    promise.catch(() => {
      if (this.entries.get(key) === promise) this.entries.delete(key);
    });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return promise;
  }

  clear() {
    this.entries.clear();
  }
}
