// The grammar's copies of the release parsers (functions/slack/argument-parsers.ts) must answer exactly
// as the originals do — the same value, or an error of the same class with the same message — so Slack,
// the CLI and the engine keep accepting and refusing the same input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as release from '../../../functions/release/canary/command.js';
import { parseSlot as releaseParseSlot } from '../../../functions/release/deploy.js';
import {
  parseHeaderName as releaseParseHeaderName,
  parseHeaderValue as releaseParseHeaderValue,
} from '../../../functions/release/header-route.js';
import { parseWeight as releaseParseWeight } from '../../../functions/release/shift-weight.js';
import * as copies from '../../../functions/slack/argument-parsers.js';

/** `{ value }` or `{ error: [class name, message] }`, so two parsers' outcomes compare with toEqual. */
function outcome<T>(parse: () => T): { value: T } | { error: [string, string] } {
  try {
    return { value: parse() };
  } catch (error) {
    return { error: [(error as Error).constructor.name, (error as Error).message] };
  }
}

const near = (...tokens: string[]) =>
  fc.oneof(
    fc.constantFrom(...tokens),
    fc
      .tuple(fc.constantFrom(...tokens), fc.constantFrom(' ', '%', 'x', '\t', '0', '-'))
      .map(([a, b]) => a + b),
    fc.string({ maxLength: 12 }),
    fc.string({ unit: 'grapheme', maxLength: 12 }),
  );

const RUNS = { numRuns: 2000, seed: 11 };

describe('argument-parsers (the grammar’s copies of the release parsers)', () => {
  it('parseSlot answers as release/deploy.ts', () => {
    fc.assert(
      fc.property(near('blue', 'green', 'Blue', ' GREEN ', 'purple', ''), (input) => {
        expect(outcome(() => copies.parseSlot(input))).toEqual(outcome(() => releaseParseSlot(input)));
      }),
      RUNS,
    );
  });

  it('parseWeight answers as release/shift-weight.ts', () => {
    const input = fc.oneof(
      near('0', '25', '100', '101', '25%', ' 7 ', '-1', '1.5', '007', '1e2'),
      fc.integer({ min: -200, max: 300 }),
    );
    fc.assert(
      fc.property(input, (value) => {
        expect(outcome(() => copies.parseWeight(value))).toEqual(outcome(() => releaseParseWeight(value)));
      }),
      RUNS,
    );
  });

  it('parseHeaderName and parseHeaderValue answer as release/header-route.ts', () => {
    const names = fc.oneof(
      near('x-latest-version', 'X-Canary', ':authority', 'host', 'x(y)', 'é'),
      fc.integer({ min: 120, max: 140 }).map((n) => 'h'.repeat(n)),
    );
    const values = fc.oneof(
      near('true', ' true', 'a b', 'naïve', '\u0007', ''),
      fc.integer({ min: 250, max: 260 }).map((n) => 'v'.repeat(n)),
    );
    fc.assert(
      fc.property(names, values, (name, value) => {
        expect(outcome(() => copies.parseHeaderName(name))).toEqual(
          outcome(() => releaseParseHeaderName(name)),
        );
        expect(outcome(() => copies.parseHeaderValue(value))).toEqual(
          outcome(() => releaseParseHeaderValue(value)),
        );
      }),
      RUNS,
    );
  });

  it('parseCanaryArgs answers as release/canary/command.ts', () => {
    const word = fc.oneof(
      fc.constantFrom('steps', 'every', 'pause', 'resume', 'abort', '1,5,25', '10,', '50', '5m', '30s', '2d'),
      fc.constantFrom(
        '1,5,100',
        '50,25',
        '0,10',
        '1h',
        '59s',
        'faster',
        '1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21',
      ),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(fc.array(word, { maxLength: 6 }), (words) => {
        const copy = outcome(() => copies.parseCanaryArgs(words));
        const original = outcome(() => release.parseCanaryArgs(words));
        // Each side has its own CanaryUsageError class; what matters is the name and the message.
        expect(copy).toEqual(original);
      }),
      RUNS,
    );
  });

  it('refuses the same canary word with a CanaryUsageError on both sides', () => {
    expect(() => copies.parseCanaryArgs(['faster'])).toThrow(copies.CanaryUsageError);
    expect(() => release.parseCanaryArgs(['faster'])).toThrow(release.CanaryUsageError);
    expect(outcome(() => copies.parseCanaryArgs(['faster']))).toEqual({
      error: ['CanaryUsageError', 'canary: "faster" is not understood'],
    });
  });
});
