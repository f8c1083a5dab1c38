/**
 * The value parsers of gray's commands — slot, weight, header name and value — shared by the Slack
 * grammar, the CLI and the use cases, so all three accept and refuse the same things with the same
 * words. Pure, and importing nothing heavier than the errors: the Slack function's grammar loads it.
 */
import { InvalidInputError } from './errors.js';
import type { Slot } from './types.js';

/**
 * Checks a slot name; throws InvalidInputError saying to type blue or green, then `next` (by default
 * that the slot may be left out, as deploy allows; a command that needs one passes its example).
 */
export function parseSlot(input: string, next = ', or leave it out for the idle slot'): Slot {
  const slot = input.trim().toLowerCase();
  if (slot === 'blue' || slot === 'green') return slot;
  throw new InvalidInputError(`slot "${input}" is not blue or green; type blue or green${next}`);
}

/** Parses a whole percent 0–100 (`25`, `"25"`, `"25%"`); throws InvalidInputError for 101, -5, 33.3, abc. */
export function parseWeight(input: number | string): number {
  const text = String(input).trim().replace(/%$/, '');
  if (!/^\d{1,3}$/.test(text) || Number(text) > 100) {
    throw new InvalidInputError(
      `weight "${input}" must be a whole percent from 0 to 100, like /gray weight address-service 25`,
    );
  }
  return Number(text);
}

// RFC 9110 §5.6.2 token characters; stored lower-case (HTTP/2 and Envoy lower-case header names).
const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
// Header names Envoy owns or rewrites; matching on them does not do what a user expects.
const RESERVED = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'te', 'upgrade']);

/** Checks and lower-cases a header name (RFC 9110 token, ≤ 128 characters); throws InvalidInputError. */
export function parseHeaderName(input: string): string {
  const name = input.trim().toLowerCase();
  // Proxies cap header sizes (Envoy: 60 KiB in all); 128 characters is far beyond any real header name.
  if (name.length > 128 || !TOKEN.test(name) || name.startsWith(':') || RESERVED.has(name)) {
    throw new InvalidInputError(
      `header name "${input}" is not usable; use a custom header such as x-latest-version (letters, digits, -)`,
    );
  }
  return name;
}

/** Checks an exact-match header value: 1–256 visible ASCII characters; throws InvalidInputError. */
export function parseHeaderValue(input: string): string {
  if (!/^[\x21-\x7e]([\x20-\x7e]{0,254}[\x21-\x7e])?$/.test(input)) {
    throw new InvalidInputError(`header value "${input}" must be 1–256 visible characters, like true`);
  }
  return input;
}
