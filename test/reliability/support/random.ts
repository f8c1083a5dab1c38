// Deterministic randomness for the reliability figures: the same seed gives the same run.

/** A small deterministic PRNG (Park–Miller); `next(n)` is an integer in [0, n). */
export function prng(seed: number): { next(n: number): number; pick<T>(items: readonly T[]): T } {
  let state = seed % 2147483647 || 1;
  const next = (n: number) => {
    state = (state * 48271) % 2147483647;
    return state % n;
  };
  return { next, pick: (items) => items[next(items.length)]! };
}
