/**
 * Value parsers of the `/gray` grammar that live in release/ beside their use cases: parseSlot
 * (deploy.ts), parseWeight (shift-weight.ts), parseHeaderName/parseHeaderValue (header-route.ts) and
 * parseCanaryArgs (canary/command.ts). Importing those modules pulls the config (zod, yaml) and the
 * Istio builders into the Slack function's bundle (+55 ms of cold start, measured), so the grammar uses
 * these copies. test/unit/slack/argument-parsers.test.ts holds each one to its original — same result,
 * same message — on generated input. Once release/ has them in a module without use-case imports,
 * this file goes and the grammar imports that module. Pure.
 */
import { parseCanarySteps, validateCanarySteps } from '../release/canary/steps.js';
import { parseDuration } from '../release/duration.js';
import { InvalidInputError } from '../release/errors.js';
import type { Slot } from '../release/types.js';

/** As release/deploy.ts parseSlot: `blue`|`green` in any case; throws InvalidInputError. */
export function parseSlot(input: string): Slot {
  const slot = input.trim().toLowerCase();
  if (slot === 'blue' || slot === 'green') return slot;
  throw new InvalidInputError(
    `slot "${input}" is not blue or green; type blue or green, or leave it out for the idle slot`,
  );
}

/** As release/shift-weight.ts parseWeight: a whole percent 0–100 (a trailing % allowed); throws InvalidInputError. */
export function parseWeight(input: number | string): number {
  const text = String(input).trim().replace(/%$/, '');
  if (!/^\d{1,3}$/.test(text) || Number(text) > 100) {
    throw new InvalidInputError(
      `weight "${input}" must be a whole percent from 0 to 100, like /gray weight 25`,
    );
  }
  return Number(text);
}

// RFC 9110 §5.6.2 token characters; stored lower-case (HTTP/2 and Envoy lower-case header names).
const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
// Header names Envoy owns or rewrites; matching on them does not do what a user expects.
const RESERVED = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'te', 'upgrade']);

/** As release/header-route.ts parseHeaderName: an RFC 9110 token ≤ 128 characters, lower-cased; throws InvalidInputError. */
export function parseHeaderName(input: string): string {
  const name = input.trim().toLowerCase();
  if (name.length > 128 || !TOKEN.test(name) || name.startsWith(':') || RESERVED.has(name)) {
    throw new InvalidInputError(
      `header name "${input}" is not usable; use a custom header such as x-latest-version (letters, digits, -)`,
    );
  }
  return name;
}

/** As release/header-route.ts parseHeaderValue: 1–256 visible ASCII characters; throws InvalidInputError. */
export function parseHeaderValue(input: string): string {
  if (!/^[\x21-\x7e]([\x20-\x7e]{0,254}[\x21-\x7e])?$/.test(input)) {
    throw new InvalidInputError(`header value "${input}" must be 1–256 visible characters, like true`);
  }
  return input;
}

/** As release/canary/start.ts CANARY_INTERVAL: seconds, 1m–1d. */
const CANARY_INTERVAL = { min: 60, max: 86400 } as const;

/** What `canary <svc> …` asks for: start (with optional plan and interval) or a control action. */
export type CanaryArgs =
  | { action: 'start'; steps?: number[]; interval?: number }
  | { action: 'pause' | 'resume' | 'abort' };

/** Thrown for words the canary syntax does not know; the grammar adds its usage line. */
export class CanaryUsageError extends InvalidInputError {}

/**
 * As release/canary/command.ts parseCanaryArgs: `[steps 1,5,25,50,100] [every 5m]` or one of
 * `pause`, `resume`, `abort` (lower-case words, already unwrapped). Throws CanaryUsageError for
 * unknown words, InvalidInputError naming a bad step list or interval.
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
