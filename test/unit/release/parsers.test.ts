import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseHeaderName,
  parseHeaderValue,
  parseSlot,
  parseWeight,
} from '../../../functions/release/arguments.js';
import { formatDuration, parseDuration } from '../../../functions/release/duration.js';
import { InvalidInputError } from '../../../functions/release/errors.js';
import { parseReleaseVersion } from '../../../functions/release/version.js';

/** Runs `parse` and returns the error it threw (failing the test when it returns). */
function errorOf(parse: () => unknown): Error {
  try {
    parse();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the parser to throw');
}

describe('parseWeight', () => {
  it.each([
    [0, 0],
    [25, 25],
    ['25', 25],
    ['100', 100],
    ['25%', 25],
    ['0%', 0],
    [' 25 ', 25],
  ])('accepts %j as %i percent', (input, expected) => {
    expect(parseWeight(input)).toBe(expected);
  });

  it.each([101, -5, 33.3, 'abc', '', '1e2', ' 0x10', '+25', '25 %', '%', '100.0', '1000', NaN])(
    'refuses %j with an InvalidInputError that says what to type',
    (input) => {
      const error = errorOf(() => parseWeight(input));

      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error.message).toBe(
        `weight "${input}" must be a whole percent from 0 to 100, like /gray weight address-service 25`,
      );
      expect((error as InvalidInputError).code).toBe('invalid_input');
    },
  );

  it('reads String(n) back as n for every integer 0..100', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), (n) => {
        expect(parseWeight(String(n))).toBe(n);
        expect(parseWeight(`${n}%`)).toBe(n);
      }),
    );
  });

  it('throws only InvalidInputError for any (trimmed) string that is not 0..100 with an optional %', () => {
    const accepted = (s: string) => /^\d{1,3}%?$/.test(s) && Number(s.replace('%', '')) <= 100;
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.stringMatching(/^[\d%.eEx+ -]{0,6}$/)),
        (input) => {
          fc.pre(!accepted(input.trim()));
          const error = errorOf(() => parseWeight(input));
          expect(error).toBeInstanceOf(InvalidInputError);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never returns anything but an integer 0..100', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.double(), fc.integer()), (input) => {
        let value: number;
        try {
          value = parseWeight(input);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidInputError);
          return;
        }
        expect(Number.isInteger(value) && value >= 0 && value <= 100).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseReleaseVersion', () => {
  const sha40 = 'fe220c2a9b0c1d2e3f405162738495a6b7c8d9e0';

  it.each(['1.0.0-fe220c2', '2.0.0-rc.1-fe220c2', `1.4.0-${sha40}`, '10.20.30-abc1234', '0.0.1-fe220c2'])(
    'accepts %s',
    (input) => {
      expect(parseReleaseVersion(input)).toBe(input);
    },
  );

  it('trims surrounding spaces', () => {
    expect(parseReleaseVersion(' 1.0.0-fe220c2\n')).toBe('1.0.0-fe220c2');
  });

  it.each([
    '1.0-fe220c2',
    '01.0.0-fe220c2',
    '1.0.0',
    '1.0.0-FE220C2',
    '1.0.0-xyz1234',
    '1.0.0-fe220c',
    'v1.0.0-fe220c2',
    '',
  ])('refuses %j, saying what a version looks like', (input) => {
    const error = errorOf(() => parseReleaseVersion(input));

    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toBe(
      `version "${input}" must be semver plus the git short SHA, like 1.4.0-fe220c2 or 2.0.0-rc.1-fe220c2`,
    );
  });

  it('refuses a version longer than a label value allows (63 characters)', () => {
    const input = `1.0.0-${'beta.'.repeat(8)}1-${sha40}`;

    const error = errorOf(() => parseReleaseVersion(input));

    expect(input).toHaveLength(88);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toBe(
      `version "${input}" is 88 characters; labels allow at most 63, so shorten the pre-release part, like 1.4.0-rc.1-fe220c2`,
    );
  });

  it('accepts any semver plus SHA that fits, and whatever it accepts is a valid label value and image tag', () => {
    const numeric = fc.oneof(fc.constant('0'), fc.integer({ min: 1, max: 999 }).map(String));
    const identifier = fc.stringMatching(/^[0-9A-Za-z-]{1,6}$/);
    const version = fc
      .tuple(
        numeric,
        numeric,
        numeric,
        fc.option(fc.array(identifier, { minLength: 1, maxLength: 3 })),
        fc.stringMatching(/^[0-9a-f]{7,40}$/),
      )
      .map(([a, b, c, pre, sha]) => `${a}.${b}.${c}-${pre ? `${pre.join('.')}-` : ''}${sha}`);
    const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
    const IMAGE_TAG = /^[\w][\w.-]{0,127}$/;
    fc.assert(
      fc.property(version, (input) => {
        if (input.length > 63) {
          expect(() => parseReleaseVersion(input)).toThrow(InvalidInputError);
          return;
        }
        const parsed = parseReleaseVersion(input);
        expect(parsed).toBe(input);
        expect(LABEL_VALUE.test(parsed) && IMAGE_TAG.test(parsed)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts a version of exactly 63 characters', () => {
    const input = `1.0.0-${'a'.repeat(16)}-${sha40}`;

    expect(input).toHaveLength(63);
    expect(parseReleaseVersion(input)).toBe(input);
  });
});

describe('parseDuration', () => {
  it.each([
    ['90s', 90],
    ['30m', 1800],
    ['2h', 7200],
    ['1d', 86400],
    ['1h30m', 5400],
    ['45', 45],
    [' 30M ', 1800],
    [0, 0],
    [1800, 1800],
  ])('reads %j as %i seconds', (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds);
  });

  it.each(['5 minutes', '1h 30m', 'm', '', '-5', '1.5h', '30x'])(
    'refuses %j naming the accepted forms',
    (input) => {
      const error = errorOf(() => parseDuration(input));

      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error.message).toBe(
        `duration "${input}" is not understood; write it like 90s, 30m, 2h or 1h30m`,
      );
    },
  );

  it.each([-1, 1.5])('refuses the number %d', (input) => {
    const error = errorOf(() => parseDuration(input));

    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toBe(`duration ${input} must be a whole number of seconds, or like 30m or 2h`);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [45, '45s'],
    [1800, '30m'],
    [5400, '1h30m'],
    [90061, '1d1h1m1s'],
  ])('formats %i seconds as %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('round-trips through parseDuration for any whole number of seconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 365 * 86400 }), (seconds) => {
        expect(parseDuration(formatDuration(seconds))).toBe(seconds);
      }),
    );
  });
});

describe('parseHeaderName', () => {
  it.each([
    ['x-latest-version', 'x-latest-version'],
    ['X-Latest-Version', 'x-latest-version'],
    [' x-user-id ', 'x-user-id'],
    ['x_beta', 'x_beta'],
  ])('accepts %j as %s', (input, name) => {
    expect(parseHeaderName(input)).toBe(name);
  });

  it.each(['', 'x latest', 'x:y', ':authority', 'host', 'Content-Length', 'connection', 'x-é', 'a/b'])(
    'refuses %j suggesting a custom header',
    (input) => {
      const error = errorOf(() => parseHeaderName(input));

      expect(error).toBeInstanceOf(InvalidInputError);
      expect(error.message).toBe(
        `header name "${input}" is not usable; use a custom header such as x-latest-version (letters, digits, -)`,
      );
    },
  );
});

describe('parseHeaderValue', () => {
  it.each(['true', 'u1', 'a b', '!', 'x'.repeat(256)])('accepts %j as is', (input) => {
    expect(parseHeaderValue(input)).toBe(input);
  });

  it.each(['', ' true', 'true ', 'x'.repeat(257), 'caf\u00e9', 'a\tb', 'a\nb'])('refuses %j', (input) => {
    const error = errorOf(() => parseHeaderValue(input));

    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toBe(`header value "${input}" must be 1–256 visible characters, like true`);
  });
});

describe('parseSlot', () => {
  it.each([
    ['blue', 'blue'],
    ['green', 'green'],
    [' Green ', 'green'],
  ])('accepts %j as %s', (input, slot) => {
    expect(parseSlot(input)).toBe(slot);
  });

  it.each(['', 'red', 'greenish'])('refuses %j saying to type blue or green', (input) => {
    const error = errorOf(() => parseSlot(input));

    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toBe(
      `slot "${input}" is not blue or green; type blue or green, or leave it out for the idle slot`,
    );
  });
});
