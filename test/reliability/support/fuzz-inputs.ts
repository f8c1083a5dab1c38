// fast-check generators of invalid `/gray` input: command texts and button payloads that are wrong by
// construction (unknown verb, bad argument, too many or too few arguments, unknown service, malformed
// button value), dressed the way Slack and keyboards dress text (case, spacing, zero-width spaces,
// formatting, curly quotes, `&amp;`). None of them names a valid command, so each must be refused.
import fc from 'fast-check';
import { ALL_VERBS } from '../../../functions/release/commands.js';

/** The one configured service the inputs name when they need a real one. */
export const FUZZ_SERVICE = 'svc-01';

const UNKNOWN_SERVICES = ['nosuch', 'address-service', 'svc-99', 'svc-1', 'svc-010', 'a'];
const BAD_CHARS = ['_', '.', '!', 'é', '@', '#', '$', '/', ':', '+', '%', 'ß', '\u0000', '\u00a0x'];

/** A token that is not a service name: a character outside [-a-z0-9], a leading digit or dash, or 58+ characters. */
const badName = fc.oneof(
  fc
    .tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), fc.constantFrom(...BAD_CHARS))
    .map(([name, bad]) => `${name}${bad}`),
  fc.stringMatching(/^[0-9-][a-z0-9-]{0,8}$/),
  fc.integer({ min: 58, max: 90 }).map((n) => `s${'v'.repeat(n - 1)}`),
);
const unknownService = fc.constantFrom(...UNKNOWN_SERVICES);
const badWeight = fc.oneof(
  fc.integer({ min: 101, max: 1_000_000 }).map(String),
  fc.integer({ min: -1000, max: -1 }).map(String),
  fc.tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: 99 })).map(([a, b]) => `${a}.${b}`),
  fc.constantFrom(
    'abc',
    '1e2',
    '0x10',
    '٣',
    '½',
    '25%%',
    '%25',
    'NaN',
    'Infinity',
    '-0',
    '+5',
    '1,5',
    '10pct',
  ),
);
const badVersion = fc.oneof(
  fc.constantFrom(
    '1.0.0',
    '1.0',
    'latest',
    'v1.0.0-abcdef1',
    '1.0.0-ABCDEF1',
    '01.0.0-abcdef1',
    '1.0.0_abcdef1',
  ),
  fc
    .tuple(fc.nat(20), fc.nat(20), fc.nat(20), fc.stringMatching(/^[0-9a-f]{1,6}$/))
    .map(([a, b, c, sha]) => `${a}.${b}.${c}-${sha}`),
  fc
    .tuple(fc.nat(20), fc.stringMatching(/^[0-9a-f]{3,8}[g-z][0-9a-f]{0,4}$/))
    .map(([a, sha]) => `${a}.0.0-${sha}`),
  fc.integer({ min: 50, max: 80 }).map((n) => `1.0.0-${'x'.repeat(n)}-abcdef1`),
);
const badSlot = fc.constantFrom('purple', 'blu', 'greenn', 'both', '0', 'blue-green', 'b1ue');
const badHeaderName = fc.oneof(
  fc.constantFrom(
    'x(y)',
    'x,y',
    'x/y',
    'x:y',
    ':authority',
    'host',
    'Content-Length',
    'x@y',
    'x[y]',
    'x{y}',
    'x"y',
    'x\\y',
    'é',
  ),
  fc.integer({ min: 129, max: 200 }).map((n) => `x${'h'.repeat(n - 1)}`),
);
const badHeaderValue = fc.constantFrom('é', 'naïve', '\u0007', 'a\u0000b', 'x'.repeat(257), '☃');
const badDuration = fc.constantFrom(
  '0',
  '59',
  '30s',
  '0m',
  '59s',
  '8d',
  '169h',
  'abc',
  '1w',
  '-5m',
  '1.5h',
  '∞',
);
const badLimit = fc.oneof(
  fc.constantFrom('0', '51', '-1', 'abc', '1000', '5.5', 'ten'),
  fc.integer({ min: 51, max: 999 }).map(String),
);
/** One of the given token lists (copied, so the arbitrary yields plain string arrays). */
const fixed = (...lists: string[][]) => fc.constantFrom(...lists).map((list) => [...list]);
const users = (n: number) => Array.from({ length: n }, (_, i) => `u${i}`).join(',');

/** `[args]` that make each verb's command invalid. */
const badArguments: fc.Arbitrary<string[]> = fc.oneof(
  fc.tuple(fc.constantFrom('status', 'promote', 'rollback'), badName).map(([v, n]) => [v, n]),
  fc
    .tuple(fc.constantFrom('status', 'promote', 'rollback'), fc.constantFrom('x', FUZZ_SERVICE, '1'))
    .map(([v, x]) => [v, FUZZ_SERVICE, x]),
  fc.tuple(fc.constantFrom('promote', 'rollback'), unknownService).map(([v, s]) => [v, s]),
  badVersion.map((version) => ['deploy', FUZZ_SERVICE, version]),
  fc.tuple(badSlot, badVersion).map(([slot, version]) => ['deploy', FUZZ_SERVICE, slot, version]),
  badSlot.map((slot) => ['deploy', FUZZ_SERVICE, slot, '1.0.1-abcdef1']),
  fixed(
    ['deploy'],
    ['deploy', FUZZ_SERVICE],
    ['deploy', FUZZ_SERVICE, 'green'],
    ['deploy', FUZZ_SERVICE, 'green', '1.0.1-abcdef1', 'x'],
  ),
  fc
    .tuple(unknownService, fc.constantFrom('green', 'blue'))
    .map(([s, slot]) => ['deploy', s, slot, '1.0.1-abcdef1']),
  badName.map((name) => ['deploy', name, '1.0.1-abcdef1']),
  badWeight.map((w) => ['weight', FUZZ_SERVICE, w]),
  badWeight.map((w) => ['weight', w]),
  fixed(['weight'], ['weight', FUZZ_SERVICE], ['weight', FUZZ_SERVICE, '10', '20']),
  unknownService.map((s) => ['weight', s, '10']),
  badName.map((name) => ['weight', name, '10']),
  badHeaderName.map((name) => ['route', FUZZ_SERVICE, 'header', `${name}=true`]),
  badHeaderValue.map((value) => ['route', FUZZ_SERVICE, 'header', `x-latest-version=${value}`]),
  fixed(
    ['route'],
    ['route', FUZZ_SERVICE],
    ['route', FUZZ_SERVICE, 'header'],
    ['route', FUZZ_SERVICE, 'header', 'x-a='],
    ['route', FUZZ_SERVICE, 'header', '=v'],
    ['route', FUZZ_SERVICE, 'sideways'],
    ['route', FUZZ_SERVICE, 'off', 'now'],
    ['route', FUZZ_SERVICE, 'users'],
  ),
  fc.integer({ min: 51, max: 70 }).map((n) => ['route', FUZZ_SERVICE, 'users', users(n)]),
  badHeaderValue.map((user) => ['route', FUZZ_SERVICE, 'users', `u1,${user}`]),
  unknownService.map((s) => ['route', s, 'off']),
  badSlot.map((slot) => ['teardown', FUZZ_SERVICE, slot]),
  badDuration.map((d) => ['teardown', FUZZ_SERVICE, 'extend', d]),
  fixed(
    ['teardown'],
    ['teardown', FUZZ_SERVICE],
    ['teardown', FUZZ_SERVICE, 'cancel', 'now'],
    ['teardown', FUZZ_SERVICE, 'extend'],
    ['teardown', FUZZ_SERVICE, 'blue', 'green'],
  ),
  fc
    .tuple(unknownService, fc.constantFrom('blue', 'green', 'cancel'))
    .map(([s, slot]) => ['teardown', s, slot]),
  fc.constantFrom('adopt', 'reconcile').map((v) => [v]),
  fc.tuple(fc.constantFrom('adopt', 'reconcile'), unknownService).map(([v, s]) => [v, s]),
  fc.tuple(fc.constantFrom('adopt', 'reconcile'), badName).map(([v, n]) => [v, n]),
  fc.constantFrom('adopt', 'reconcile').map((v) => [v, FUZZ_SERVICE, 'now']),
  badLimit.map((n) => ['history', FUZZ_SERVICE, n]),
  fixed(['history'], ['history', FUZZ_SERVICE, '5', 'x']),
  unknownService.map((s) => ['history', s]),
  badName.map((name) => ['history', name]),
);

const ZERO_WIDTH = ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff'];

/** Joins tokens the way people type them: odd spacing, zero-width spaces, case and formatting on the verb. */
const dressed = (tokens: fc.Arbitrary<string[]>) =>
  fc
    .tuple(
      tokens,
      fc.array(fc.constantFrom(' ', '  ', '\t', ' \u200b', '\u200b '), { minLength: 12, maxLength: 12 }),
      fc.constantFrom('lower', 'upper', 'title', 'bold', 'code', 'curly'),
      fc.constantFrom('', ' ', '\n', ...ZERO_WIDTH),
    )
    .map(([[verb = '', ...rest], gaps, style, edge]) => {
      const styled =
        style === 'upper'
          ? verb.toUpperCase()
          : style === 'title'
            ? verb[0]?.toUpperCase() + verb.slice(1)
            : style === 'bold'
              ? `*${verb}*`
              : style === 'code'
                ? `\`${verb}\``
                : style === 'curly'
                  ? `“${verb}”`
                  : verb;
      return (
        edge + [styled, ...rest].map((t, i) => (i === 0 ? t : `${gaps[i % gaps.length]}${t}`)).join('') + edge
      );
    });

/** The first word as the grammar could at most reduce it: zero-width gone, letters and digits only, lower case. */
function firstWord(text: string): string {
  const plain = text.replace(/[\u200b-\u200d\u2060\ufeff]/g, '').trim();
  return (plain.split(/\s+/)[0] ?? '').toLowerCase().replace(/[^a-z0-9]/g, '');
}
const VERBS = new Set<string>(ALL_VERBS);
const notAVerb = (text: string) => {
  const word = firstWord(text);
  return word !== '' && !VERBS.has(word);
};

/** Invalid `/gray` texts: junk, an unknown first word with junk after it, or a verb with bad arguments. */
export const invalidCommandText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }).filter(notAVerb) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 80 }).filter(notAVerb) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 12 }), fc.string({ maxLength: 60 }))
      .map(([word, rest]) => `${word} ${rest}`)
      .filter(notAVerb),
  },
  { weight: 8, arbitrary: dressed(badArguments) },
);

/** One block_actions click whose action id or value no listener may act on. */
export interface InvalidClick {
  actionId: string;
  value: string;
}

const json = (value: unknown) => JSON.stringify(value);
/** A JSON weight that is no whole percent: above 100, negative, fractional, or not a number. */
const badJsonWeight = fc.oneof(
  fc.integer({ min: 101, max: 1_000_000 }).map(String),
  fc.integer({ min: -1000, max: -1 }).map(String),
  fc.tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: 99 })).map(([a, b]) => `${a}.${b}`),
  fc.constantFrom('"ten"', '"25"', 'null', 'true', '[]', '{}'),
);
const badValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '',
    '{',
    'null',
    '[]',
    '{"service":1}',
    '{"svc":"svc-01"}',
    json({ service: FUZZ_SERVICE, weight: 'ten' }),
  ),
  unknownService.map((service) => json({ service })),
  badName.map((service) => json({ service })),
);

/** Invalid clicks: unknown gray_ ids, next-step buttons with out-of-range numbers or bad values, approvals that do not exist. */
export const invalidClick: fc.Arbitrary<InvalidClick> = fc.oneof(
  fc
    .tuple(fc.stringMatching(/^[a-z_]{1,12}$/), badValue)
    .map(([id, value]) => ({ actionId: `gray_x${id}`, value })),
  fc
    .tuple(fc.constantFrom('gray_promote', 'gray_rollback', 'gray_teardown_cancel'), badValue)
    .map(([actionId, value]) => ({ actionId, value })),
  fc
    .tuple(fc.integer({ min: 101, max: 100_000 }), fc.constantFrom(json({ service: FUZZ_SERVICE }), ''))
    .map(([w, value]) => ({ actionId: `gray_weight_${w}`, value })),
  fc
    .tuple(
      fc.integer({ min: 0, max: 100 }),
      fc.oneof(
        badValue,
        badJsonWeight.map((w) => `{"service":"${FUZZ_SERVICE}","weight":${w}}`),
      ),
    )
    .map(([w, value]) => ({ actionId: `gray_weight_${w}`, value })),
  fc
    .constantFrom('abc', '-5', '1.5', '')
    .map((w) => ({ actionId: `gray_weight_${w}`, value: json({ service: FUZZ_SERVICE }) })),
  fc
    .oneof(fc.integer({ min: 0, max: 59 }), fc.integer({ min: 604_801, max: 10_000_000 }))
    .map((s) => ({ actionId: `gray_teardown_extend_${s}`, value: json({ service: FUZZ_SERVICE }) })),
  fc
    .tuple(fc.constantFrom('gray_approve', 'gray_reject'), fc.oneof(fc.uuid(), fc.string({ maxLength: 30 })))
    .map(([actionId, value]) => ({ actionId, value })),
);

/**
 * A usage hint: a warning, not an internal error, that shows a command form or an example (`/gray …`,
 * `like …`, `such as …`), says what to type, lists the valid choices, or says to ask again.
 */
export function isUsageHint(text: string): boolean {
  return (
    text.startsWith('⚠️') &&
    !/internal error/.test(text) &&
    /\/gray [a-z]|\blike\b|\btype\b|\bsuch as\b|configured services:|ask for it again|ask for the change again/.test(
      text,
    )
  );
}
