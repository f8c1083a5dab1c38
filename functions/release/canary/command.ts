/**
 * The words after `canary <service>` — shared by the Slack grammar and the CLI so both accept and
 * refuse the same things. Pure.
 */
import { parseDuration } from '../duration.js';
import { InvalidInputError } from '../errors.js';
import { CANARY_INTERVAL, parseCanarySteps, validateCanarySteps } from './steps.js';

/** What `canary <svc> …` asks for: start (with optional plan and interval) or a control action. */
export type CanaryArgs =
  | { action: 'start'; steps?: number[]; interval?: number }
  | { action: 'pause' | 'resume' | 'abort' };

/** Thrown for words the canary syntax does not know; callers add their own usage line. */
export class CanaryUsageError extends InvalidInputError {}

/**
 * Parses `[steps 1,5,25,50,100] [every 5m]` or one of `pause`, `resume`, `abort` (lower-case words,
 * already unwrapped). Steps are whole percents, strictly increasing (the service's maxWeight is
 * checked when the canary starts); the interval is 1m–1d. Throws CanaryUsageError for unknown words,
 * InvalidInputError naming a bad step list or interval.
 */
export function parseCanaryArgs(words: readonly string[]): CanaryArgs {
  const [first] = words;
  if (words.length === 1 && (first === 'pause' || first === 'resume' || first === 'abort')) {
    return { action: first };
  }
  const args: { action: 'start'; steps?: number[]; interval?: number } = { action: 'start' };
  let i = 0;
  while (i < words.length) {
    const word = words[i];
    const next = words[i + 1];
    if (word === 'steps' && args.steps === undefined && next !== undefined && next !== 'every') {
      // The list may be typed with spaces after the commas: it runs up to `every`.
      const end = words.indexOf('every', i + 1);
      args.steps = parseCanarySteps(words.slice(i + 1, end === -1 ? undefined : end).join(' '));
      validateCanarySteps(args.steps, 100);
      i = end === -1 ? words.length : end;
    } else if (word === 'every' && args.interval === undefined && next !== undefined) {
      let seconds: number;
      try {
        seconds = parseDuration(next);
      } catch {
        seconds = Number.NaN;
      }
      if (!Number.isSafeInteger(seconds) || seconds < CANARY_INTERVAL.min || seconds > CANARY_INTERVAL.max) {
        const shown = next.length > 40 ? `${next.slice(0, 39)}…` : next;
        throw new InvalidInputError(
          `canary: every "${shown}" is not an interval from 1m to 1d; write it like every 5m`,
        );
      }
      args.interval = seconds;
      i += 2;
    } else {
      throw new CanaryUsageError(`canary: "${word}" is not understood`);
    }
  }
  return args;
}
