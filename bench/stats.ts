// Small helpers shared by the benchmarks: settings from the environment, quantiles, durations.

/** A positive integer setting from the environment. */
export function setting(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

export const median = (values: number[]) => quantile(values, 0.5);

/** Milliseconds as seconds with one decimal: "12.3 s". */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
