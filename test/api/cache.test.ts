// The API's per-block answer cache: bounded, least recently used out first, one upstream request for
// concurrent askers, and failures not remembered.
import { expect } from "chai";
import { PromiseCache } from "../../api/cache.js";

describe("api: PromiseCache", function () {
  it("never holds more than its capacity; the least recently used entry goes first", async function () {
    const cache = new PromiseCache<number>(3);
    let loads = 0;
    const get = (key: string) => cache.get(key, async () => ++loads);
    await get("a");
    await get("b");
    await get("c");
    await get("a"); // a is now the most recent
    await get("d"); // one over capacity: b goes
    expect(cache.size).to.equal(3);
    expect(loads).to.equal(4);
    await get("a");
    await get("c");
    await get("d");
    expect(loads, "a, c and d were kept").to.equal(4);
    await get("b");
    expect(loads, "b had been evicted").to.equal(5);
    expect(cache.size).to.equal(3);
  });

  it("concurrent askers share one load; a failed load is forgotten and tried again", async function () {
    const cache = new PromiseCache<string>(10);
    let loads = 0;
    let release!: (v: string) => void;
    const slow = () => {
      loads++;
      return new Promise<string>((resolve) => (release = resolve));
    };
    const both = Promise.all([cache.get("k", slow), cache.get("k", slow)]);
    release("v");
    expect(await both).to.deep.equal(["v", "v"]);
    expect(loads).to.equal(1);

    let attempts = 0;
    const flaky = async () => {
      if (++attempts === 1) throw new Error("upstream down");
      return "ok";
    };
    await cache.get("f", flaky).then(
      () => expect.fail("the first load should fail"),
      (error: Error) => expect(error.message).to.equal("upstream down"),
    );
    expect(await cache.get("f", flaky)).to.equal("ok");
    expect(attempts).to.equal(2);
  });

  it("capacity 0 caches nothing", async function () {
    const cache = new PromiseCache<number>(0);
    let loads = 0;
    await cache.get("a", async () => ++loads);
    await cache.get("a", async () => ++loads);
    expect(loads).to.equal(2);
    expect(cache.size).to.equal(0);
  });
});
