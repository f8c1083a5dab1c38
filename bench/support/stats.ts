// Order statistics and the A/B interleaving every speed figure uses: on a shared 2-core machine,
// absolute times drift with neighbours, so both variants are sampled turn about in one process.

/** Percentile `p` (0–100) of `samples` by nearest rank on the sorted copy; NaN for an empty list. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** Median (p50) of `samples`. */
export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/** `a / b` rounded to two decimals (the form every ratio is reported in). */
export function ratio(a: number, b: number): number {
  return round(a / b, 2);
}

/** Rounds to `digits` decimals. */
export function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** p50 and p99 of a latency sample in milliseconds, with its size. */
export interface LatencySummary {
  n: number;
  p50: number;
  p99: number;
}

/** Summarises `samples` (milliseconds) as n, p50 and p99, rounded to microseconds. */
export function summarize(samples: readonly number[]): LatencySummary {
  return { n: samples.length, p50: round(median(samples)), p99: round(percentile(samples, 99)) };
}

/** One timed variant: `prepare` and `finish` run untimed around each timed `run` (e.g. releasing a lock). */
export interface Variant {
  run(iteration: number): Promise<void>;
  prepare?(iteration: number): Promise<void>;
  finish?(iteration: number): Promise<void>;
}

/**
 * Runs the variants in turn, rotating which goes first each iteration (A,B then B,A for two), `warmup`
 * times each unrecorded, then `iterations` times each; returns the wall time of every recorded `run`
 * in ms, by variant name. With `block` > 1 each variant runs `block` iterations in a row per turn
 * (for variants that share state another variant disturbs, such as one object both patch).
 */
export async function interleave<Name extends string>(
  variants: Record<Name, Variant>,
  options: { warmup: number; iterations: number; block?: number },
): Promise<Record<Name, number[]>> {
  const names = Object.keys(variants) as Name[];
  const times = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<Name, number[]>;
  const total = options.warmup + options.iterations;
  const block = Math.max(1, options.block ?? 1);
  for (let start = 0; start < total; start += block) {
    const round = start / block;
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length] as Name;
      const variant = variants[name];
      for (let i = start; i < Math.min(start + block, total); i++) {
        await variant.prepare?.(i);
        const started = performance.now();
        await variant.run(i);
        const elapsed = performance.now() - started;
        await variant.finish?.(i);
        if (i >= options.warmup) times[name].push(elapsed);
      }
    }
  }
  return times;
}
