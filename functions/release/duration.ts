import { InvalidInputError } from './errors.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * Parses a duration like `90s`, `30m`, `2h`, `1d` or `1h30m` (or a bare number of seconds) into
 * whole seconds. Throws InvalidInputError naming the accepted forms.
 */
export function parseDuration(input: string | number): number {
  if (typeof input === 'number') {
    if (Number.isInteger(input) && input >= 0) return input;
    throw new InvalidInputError(`duration ${input} must be a whole number of seconds, or like 30m or 2h`);
  }
  const text = input.trim().toLowerCase();
  if (/^\d+$/.test(text)) return Number(text);
  const parts = [...text.matchAll(/(\d+)([smhd])/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw new InvalidInputError(`duration "${input}" is not understood; write it like 90s, 30m, 2h or 1h30m`);
  }
  return parts.reduce(
    (total, [, amount, unit]) => total + Number(amount) * (UNIT_SECONDS[unit ?? 's'] ?? 1),
    0,
  );
}

/** Formats whole seconds as a short duration: 5400 → `1h30m`, 45 → `45s`. */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  let rest = seconds;
  let out = '';
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const amount = Math.floor(rest / size);
    if (amount > 0) out += `${amount}${unit}`;
    rest -= amount * size;
  }
  return out;
}
