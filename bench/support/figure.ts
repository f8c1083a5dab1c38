// The shape every figure returns: what was measured, against what, and whether it met the issue's
// target. bench/run.ts collects them into bench/results.json and BENCHMARKS.md.

/** A measured value: a number, or named numbers (e.g. `{ p50: 1.2, p99: 3.4, n: 500 }`). */
export type Measured = number | Record<string, number | Record<string, number>>;

/** One row of the results: a figure (or one part of it, e.g. "2b cold start: worker"). */
export interface FigureResult {
  /** Stable id, e.g. `1-ack-latency`, `2b-cold-start-worker`. */
  id: string;
  /** Human name for the table. */
  name: string;
  /** What gray did. */
  value: Measured;
  /** What the floor did (the bare library, the raw call), or null for exact-count figures. */
  baseline: Measured | null;
  /** value / baseline on the judged statistic, or null for exact-count figures. */
  ratio: number | null;
  /** Other ratios worth reporting (e.g. `{ p99: 2.1 }`). */
  ratios?: Record<string, number>;
  /** The target, verbatim in spirit: `≤ 1.5× (p50 and p99)`, `1 read + 1 write`. */
  target: string;
  pass: boolean;
  /** Extra measurements that explain the figure but are not judged (e.g. a second floor). */
  context?: Record<string, Measured>;
  /** One-line summary for the table's "measured" column. */
  summary: string;
  /** How it was measured (Markdown, a few sentences). */
  how: string;
  /** Why it failed, or anything surprising (Markdown); empty when there is nothing to say. */
  notes?: string;
}

/** Run sizes: the full bench, or the smoke run's tiny ones. */
export interface BenchSizes {
  ackIterations: number;
  ackWarmup: number;
  coldStartRuns: number;
  coldStartWarmup: number;
  shiftIterations: number;
  shiftWarmup: number;
  sweeperLarge: number;
  sweeperSmall: number;
}

/** `npm run bench`: the sizes the issue asks for (≥ 500 acks, ≥ 20 cold starts, 100 vs 10,000). */
export const FULL_SIZES: BenchSizes = {
  ackIterations: 3000,
  ackWarmup: 300,
  coldStartRuns: 21,
  coldStartWarmup: 2,
  shiftIterations: 300,
  shiftWarmup: 30,
  sweeperLarge: 10_000,
  sweeperSmall: 100,
};

/** `npm run bench:smoke`: every code path once or a few times, in seconds; results are not written. */
export const SMOKE_SIZES: BenchSizes = {
  ackIterations: 20,
  ackWarmup: 5,
  coldStartRuns: 3,
  coldStartWarmup: 1,
  shiftIterations: 10,
  shiftWarmup: 3,
  sweeperLarge: 300,
  sweeperSmall: 10,
};
