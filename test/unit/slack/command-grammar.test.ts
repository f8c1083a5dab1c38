import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseHeaderName, parseHeaderValue } from '../../../functions/release/arguments.js';
import { InvalidInputError } from '../../../functions/release/errors.js';
import { GRAY_USAGE, parseGrayCommand, usageOf } from '../../../functions/slack/command-grammar.js';
import type { GrayCommand } from '../../../functions/slack/commands.js';

/** Runs `parse` and returns the error it threw (failing the test when it returns). */
function errorOf(parse: () => unknown): Error {
  try {
    parse();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the parser to throw');
}

const WEIGHT_USAGE = 'weight: type `/gray weight [service] <0-100>`, like `/gray weight address-service 25`';
const ROUTE_USAGE =
  'route: type `/gray route <service> header <name>=<value>`, `/gray route <service> users <id,…>` or `/gray route <service> off`, like `/gray route address-service header x-latest-version=true`';
const DEPLOY_USAGE =
  'deploy: type `/gray deploy <service> [blue|green] <version>`, like `/gray deploy address-service green 1.0.1-fe220c2`';
const HISTORY_USAGE = 'type `/gray history <service> [n]`, like `/gray history address-service 20`';
const TEARDOWN_USAGE =
  'type `/gray teardown <service> <blue|green>`, `/gray teardown <service> cancel` or `/gray teardown <service> extend <30m|2h|…>`, like `/gray teardown address-service blue`';

describe('parseGrayCommand', () => {
  it.each<[string, GrayCommand]>([
    ['', { verb: 'help' }],
    ['   \t ', { verb: 'help' }],
    ['help', { verb: 'help' }],
    [' HELP weight ', { verb: 'help' }],
    ['status', { verb: 'status' }],
    ['Status address-service', { verb: 'status', service: 'address-service' }],
    ['status Address-Service', { verb: 'status', service: 'address-service' }],
    [
      'deploy address-service green 1.0.1-fe220c2',
      { verb: 'deploy', service: 'address-service', slot: 'green', version: '1.0.1-fe220c2' },
    ],
    [
      'deploy address-service BLUE 2.0.0-rc.1-fe220c2',
      { verb: 'deploy', service: 'address-service', slot: 'blue', version: '2.0.0-rc.1-fe220c2' },
    ],
    [
      'deploy address-service 1.0.1-fe220c2',
      { verb: 'deploy', service: 'address-service', version: '1.0.1-fe220c2' },
    ],
    ['weight 25', { verb: 'weight', weight: 25 }],
    ['weight 0', { verb: 'weight', weight: 0 }],
    ['weight 100%', { verb: 'weight', weight: 100 }],
    ['WEIGHT\taddress-service   25', { verb: 'weight', service: 'address-service', weight: 25 }],
    ['  weight address-service 25  ', { verb: 'weight', service: 'address-service', weight: 25 }],
    ['`weight 25`', { verb: 'weight', weight: 25 }],
    ['*weight* `25`', { verb: 'weight', weight: 25 }],
    ['weight\u00a0address-service\u00a025', { verb: 'weight', service: 'address-service', weight: 25 }],
    [
      'route address-service header x-latest-version=true',
      { verb: 'route', service: 'address-service', route: { header: 'x-latest-version', value: 'true' } },
    ],
    [
      'route address-service HEADER X-Latest-Version = “true”',
      { verb: 'route', service: 'address-service', route: { header: 'x-latest-version', value: 'true' } },
    ],
    [
      'route address-service header x-tier gold plus',
      { verb: 'route', service: 'address-service', route: { header: 'x-tier', value: 'gold plus' } },
    ],
    [
      'route address-service header x-q=a=b&amp;c',
      { verb: 'route', service: 'address-service', route: { header: 'x-q', value: 'a=b&c' } },
    ],
    [
      'route address-service users u1, u2,u1  u3',
      { verb: 'route', service: 'address-service', route: { users: ['u1', 'u2', 'u3'] } },
    ],
    ['route address-service off', { verb: 'route', service: 'address-service', route: { off: true } }],
    ['promote', { verb: 'promote' }],
    ['promote address-service', { verb: 'promote', service: 'address-service' }],
    ['rollback', { verb: 'rollback' }],
    ['rollback address-service', { verb: 'rollback', service: 'address-service' }],
    ['teardown address-service blue', { verb: 'teardown', service: 'address-service', slot: 'blue' }],
    ['teardown address-service Green', { verb: 'teardown', service: 'address-service', slot: 'green' }],
    ['teardown address-service cancel', { verb: 'teardown-cancel', service: 'address-service' }],
    ['teardown address-service `CANCEL`', { verb: 'teardown-cancel', service: 'address-service' }],
    [
      'teardown address-service extend 2h',
      { verb: 'teardown-extend', service: 'address-service', seconds: 7200 },
    ],
    [
      'TEARDOWN Address-Service EXTEND 1h30m',
      { verb: 'teardown-extend', service: 'address-service', seconds: 5400 },
    ],
    [
      'teardown address-service extend 30m',
      { verb: 'teardown-extend', service: 'address-service', seconds: 1800 },
    ],
    [
      'teardown address-service extend 5m30s',
      { verb: 'teardown-extend', service: 'address-service', seconds: 330 },
    ],
    [
      'teardown address-service extend 3600',
      { verb: 'teardown-extend', service: 'address-service', seconds: 3600 },
    ],
    ['adopt address-service', { verb: 'adopt', service: 'address-service' }],
    ['Adopt *Address-Service*', { verb: 'adopt', service: 'address-service' }],
    ['reconcile address-service', { verb: 'reconcile', service: 'address-service' }],
    ['history address-service', { verb: 'history', service: 'address-service', limit: 10 }],
    ['history address-service 1', { verb: 'history', service: 'address-service', limit: 1 }],
    ['history address-service 50', { verb: 'history', service: 'address-service', limit: 50 }],
  ])('parses %j', (text, expected) => {
    expect(parseGrayCommand(text)).toEqual(expected);
  });

  it.each<[string, string]>([
    [
      'wieght 25',
      'unknown command "wieght"; did you mean `/gray weight`? Type `/gray help` for all commands',
    ],
    ['STAUTS', 'unknown command "STAUTS"; did you mean `/gray status`? Type `/gray help` for all commands'],
    [
      'promot x',
      'unknown command "promot"; did you mean `/gray promote`? Type `/gray help` for all commands',
    ],
    ['xyzzy', 'unknown command "xyzzy"; type `/gray help` for all commands'],
    [`${'z'.repeat(60)} 1`, `unknown command "${'z'.repeat(39)}…"; type \`/gray help\` for all commands`],
    ['weight', WEIGHT_USAGE],
    ['weight address-service', WEIGHT_USAGE],
    ['weight address-service 25 now', WEIGHT_USAGE],
    [
      'weight 101',
      'weight "101" must be a whole percent from 0 to 100, like /gray weight address-service 25',
    ],
    [
      'weight address-service 33.3',
      'weight "33.3" must be a whole percent from 0 to 100, like /gray weight address-service 25',
    ],
    ['weight -5', 'weight "-5" must be a whole percent from 0 to 100, like /gray weight address-service 25'],
    [
      'weight Address_Service 25',
      'weight: "Address_Service" is not a service name (lower-case letters, digits and -, like address-service); type `/gray weight [service] <0-100>`, like `/gray weight address-service 25`',
    ],
    ['deploy', DEPLOY_USAGE],
    ['deploy address-service', DEPLOY_USAGE],
    ['deploy address-service green', DEPLOY_USAGE],
    ['deploy address-service green 1.0.1-fe220c2 now', DEPLOY_USAGE],
    [
      'deploy address-service 1.0',
      'version "1.0" must be semver plus the git short SHA, like 1.4.0-fe220c2 or 2.0.0-rc.1-fe220c2',
    ],
    [
      'deploy address-service purple 1.0.1-fe220c2',
      'slot "purple" is not blue or green; type blue or green, or leave it out for the idle slot',
    ],
    ['route', ROUTE_USAGE],
    ['route address-service', ROUTE_USAGE],
    ['route address-service off now', ROUTE_USAGE],
    ['route address-service sideways', ROUTE_USAGE],
    ['route address-service header', ROUTE_USAGE],
    ['route address-service header x-latest-version', ROUTE_USAGE],
    ['route address-service header x-latest-version=', ROUTE_USAGE],
    ['route address-service users', ROUTE_USAGE],
    [
      'route address-service header host=example.com',
      'header name "host" is not usable; use a custom header such as x-latest-version (letters, digits, -)',
    ],
    [
      `route address-service users ${Array.from({ length: 51 }, (_, i) => `u${i}`).join(',')}`,
      'users: give 1 to 50 user ids separated by commas, like /gray route address-service users u1,u2',
    ],
    ['status a b', 'status: type `/gray status [service]`, like `/gray status address-service`'],
    [
      'status 9lives',
      'status: "9lives" is not a service name (lower-case letters, digits and -, like address-service); type `/gray status [service]`, like `/gray status address-service`',
    ],
    [
      `promote a${'b'.repeat(57)}`,
      `promote: "a${'b'.repeat(38)}…" is not a service name (lower-case letters, digits and -, like address-service); type \`/gray promote [service]\`, like \`/gray promote address-service\``,
    ],
    ['rollback a b', 'rollback: type `/gray rollback [service]`, like `/gray rollback address-service`'],
    ['teardown address-service', `teardown: ${TEARDOWN_USAGE}`],
    ['teardown address-service purple', `teardown: slot "purple" is not blue or green; ${TEARDOWN_USAGE}`],
    ['teardown address-service blue now', `teardown: ${TEARDOWN_USAGE}`],
    ['teardown address-service cancel now', `teardown: ${TEARDOWN_USAGE}`],
    ['teardown address-service extend 2h now', `teardown: ${TEARDOWN_USAGE}`],
    [
      'teardown address-service extend soon',
      `teardown extend: "soon" is not a duration from 1m to 7d; write it like 30m, 2h or 1h30m, as in \`/gray teardown address-service extend 2h\``,
    ],
    [
      'teardown address-service extend 2x',
      `teardown extend: "2x" is not a duration from 1m to 7d; write it like 30m, 2h or 1h30m, as in \`/gray teardown address-service extend 2h\``,
    ],
    [
      'teardown address-service extend 10s',
      `teardown extend: "10s" is not a duration from 1m to 7d; write it like 30m, 2h or 1h30m, as in \`/gray teardown address-service extend 2h\``,
    ],
    [
      'teardown address-service extend 0',
      `teardown extend: "0" is not a duration from 1m to 7d; write it like 30m, 2h or 1h30m, as in \`/gray teardown address-service extend 2h\``,
    ],
    [
      'teardown address-service extend 8d',
      `teardown extend: "8d" is not a duration from 1m to 7d; write it like 30m, 2h or 1h30m, as in \`/gray teardown address-service extend 2h\``,
    ],
    [
      'teardown address-service extend 99999999999999999999999',
      `teardown extend: "99999999999999999999999" is not a duration from 1m to 7d; write it like 30m, 2h or 1h30m, as in \`/gray teardown address-service extend 2h\``,
    ],
    ['teardown address-service extend', `teardown: ${TEARDOWN_USAGE}`],
    [
      'teardown Address_Service cancel',
      `teardown: "Address_Service" is not a service name (lower-case letters, digits and -, like address-service); ${TEARDOWN_USAGE}`,
    ],
    ['adopt', 'adopt: type `/gray adopt <service>`, like `/gray adopt address-service`'],
    ['adopt a b', 'adopt: type `/gray adopt <service>`, like `/gray adopt address-service`'],
    [
      'adopt 9lives',
      'adopt: "9lives" is not a service name (lower-case letters, digits and -, like address-service); type `/gray adopt <service>`, like `/gray adopt address-service`',
    ],
    ['reconcile', 'reconcile: type `/gray reconcile <service>`, like `/gray reconcile address-service`'],
    ['reconcile a b', 'reconcile: type `/gray reconcile <service>`, like `/gray reconcile address-service`'],
    [
      'adpot address-service',
      'unknown command "adpot"; did you mean `/gray adopt`? Type `/gray help` for all commands',
    ],
    ['history', `history: ${HISTORY_USAGE}`],
    ['history address-service 0', `history: "0" is not a number of events from 1 to 50; ${HISTORY_USAGE}`],
    ['history address-service 51', `history: "51" is not a number of events from 1 to 50; ${HISTORY_USAGE}`],
    [
      'history address-service ten',
      `history: "ten" is not a number of events from 1 to 50; ${HISTORY_USAGE}`,
    ],
    [
      'history 20',
      `history: "20" is not a service name (lower-case letters, digits and -, like address-service); ${HISTORY_USAGE}`,
    ],
    ['history address-service 20 more', `history: ${HISTORY_USAGE}`],
  ])('refuses %j with the exact message', (text, message) => {
    const error = errorOf(() => parseGrayCommand(text));

    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toBe(message);
  });

  it('returns a command or throws InvalidInputError for any text (10,000 runs, up to 2,000 chars)', () => {
    const words = [
      'help',
      'status',
      'deploy',
      'weight',
      'route',
      'promote',
      'rollback',
      'teardown',
      'adopt',
      'reconcile',
      'history',
    ];
    const verbs = [...words, 'teardown-cancel', 'teardown-extend'];
    const noisyWord = fc.oneof(
      fc.constantFrom(
        ...words,
        'blue',
        'green',
        'header',
        'users',
        'off',
        'cancel',
        'extend',
        '=',
        '25',
        '2h',
        '1h30m',
        '1.0.1-fe220c2',
      ),
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.string({ unit: 'binary', maxLength: 30 }),
    );
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 2000 }),
      fc.array(noisyWord, { maxLength: 12 }).map((words) => words.join(' ')),
    );
    fc.assert(
      fc.property(text, (input) => {
        try {
          const command = parseGrayCommand(input);
          expect(verbs).toContain(command.verb);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidInputError);
        }
      }),
      { numRuns: 10_000 },
    );
  });

  it('parses any whole percent 0..100 and refuses every other integer', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 1000 }), fc.boolean(), (n, percent) => {
        const text = `weight address-service ${n}${percent ? '%' : ''}`;
        if (n >= 0 && n <= 100) {
          expect(parseGrayCommand(text)).toEqual({ verb: 'weight', service: 'address-service', weight: n });
        } else {
          expect(() => parseGrayCommand(text)).toThrow(
            new InvalidInputError(
              `weight "${n}${percent ? '%' : ''}" must be a whole percent from 0 to 100, like /gray weight address-service 25`,
            ),
          );
        }
      }),
    );
  });
});

const DURATION_UNITS = [
  ['d', 86400],
  ['h', 3600],
  ['m', 60],
  ['s', 1],
] as const;

/** Test-only: whole seconds as a user types a duration, `5400` → `1h30m` (or the bare number). */
function renderDuration(seconds: number, bare: boolean): string {
  if (bare) return String(seconds);
  let rest = seconds;
  let text = '';
  for (const [unit, size] of DURATION_UNITS) {
    const amount = Math.floor(rest / size);
    if (amount > 0) text += `${amount}${unit}`;
    rest -= amount * size;
  }
  return text;
}

/**
 * Test-only renderer: a command back to the words a user would type (Slack escapes & < >); `shout`
 * upper-cases the words the grammar reads case-blind, `bare` writes a duration as plain seconds.
 */
function renderCommand(command: GrayCommand, shout: boolean, bare = false): string[] {
  const word = (text: string): string => (shout ? text.toUpperCase() : text);
  const verb = word(command.verb);
  const service = 'service' in command && command.service !== undefined ? [command.service] : [];
  switch (command.verb) {
    case 'help':
      return [verb];
    case 'history':
      return [verb, ...service, String(command.limit)];
    case 'deploy':
      return [verb, ...service, ...(command.slot ? [command.slot] : []), command.version];
    case 'weight':
      return [verb, ...service, String(command.weight)];
    case 'teardown':
      return [verb, ...service, word(command.slot)];
    case 'teardown-cancel':
      return [word('teardown'), ...service, word('cancel')];
    case 'teardown-extend':
      return [word('teardown'), ...service, word('extend'), word(renderDuration(command.seconds, bare))];
    case 'route': {
      const { route } = command;
      if ('off' in route) return [verb, ...service, 'off'];
      if ('users' in route) return [verb, ...service, 'users', route.users.join(',')];
      return [verb, ...service, 'header', `${word(route.header)}="${route.value}"`];
    }
    default:
      return [verb, ...service];
  }
}

const slackEscape = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const valid =
  <T>(parse: (input: T) => unknown) =>
  (input: T): boolean => {
    try {
      parse(input);
      return true;
    } catch {
      return false;
    }
  };

const service = fc.stringMatching(/^[a-z]([-a-z0-9]{0,20}[a-z0-9])?$/);
const optionalService = fc.option(service, { nil: undefined });
const slot = fc.constantFrom('blue' as const, 'green' as const);
const version = fc
  .tuple(
    fc.nat(999),
    fc.nat(99),
    fc.nat(99),
    fc.option(fc.stringMatching(/^[0-9A-Za-z]{1,5}(\.[0-9A-Za-z]{1,5}){0,2}$/), { nil: undefined }),
    fc.stringMatching(/^[0-9a-f]{7,12}$/),
  )
  .map(([major, minor, patch, pre, sha]) => `${major}.${minor}.${patch}-${pre ? `${pre}-` : ''}${sha}`);
// What extendTeardown accepts (1 min – 7 days), with the round values people type weighted in.
const extendSeconds = fc.oneof(
  fc.integer({ min: 60, max: 7 * 86400 }),
  fc.constantFrom(60, 90, 1800, 3600, 5400, 7200, 86400, 7 * 86400),
);
const headerName = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9a-z-]{1,20}$/).filter(valid(parseHeaderName));
const headerValue = fc
  .stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,30}[\x21-\x7e])?$/)
  .filter(valid(parseHeaderValue));
const withService = <T extends object>(base: T, name: string | undefined) =>
  name === undefined ? base : { ...base, service: name };

const command: fc.Arbitrary<GrayCommand> = fc.oneof(
  fc.constant({ verb: 'help' as const }),
  optionalService.map((name) => withService({ verb: 'status' as const }, name)),
  optionalService.map((name) => withService({ verb: 'promote' as const }, name)),
  optionalService.map((name) => withService({ verb: 'rollback' as const }, name)),
  fc.record({ verb: fc.constant('history' as const), service, limit: fc.integer({ min: 1, max: 50 }) }),
  fc.record(
    { verb: fc.constant('deploy' as const), service, slot, version },
    { requiredKeys: ['verb', 'service', 'version'] },
  ),
  fc
    .tuple(optionalService, fc.integer({ min: 0, max: 100 }))
    .map(([name, weight]) => withService({ verb: 'weight' as const, weight }, name)),
  fc.record({ verb: fc.constant('teardown' as const), service, slot }),
  fc.record({ verb: fc.constant('teardown-cancel' as const), service }),
  fc.record({ verb: fc.constant('teardown-extend' as const), service, seconds: extendSeconds }),
  fc.record({ verb: fc.constantFrom('adopt' as const, 'reconcile' as const), service }),
  fc.record({
    verb: fc.constant('route' as const),
    service,
    route: fc.oneof(
      fc.constant({ off: true as const }),
      fc.record({ header: headerName, value: headerValue }),
      fc.record({
        users: fc.uniqueArray(fc.stringMatching(/^[A-Za-z0-9._@-]{1,20}$/), { minLength: 1, maxLength: 50 }),
      }),
    ),
  }),
);

describe('parseGrayCommand round trip', () => {
  it('reads back every valid command rendered as text, whatever the spacing and case', () => {
    const separator = fc.constantFrom(' ', '  ', '\t', ' \t ');
    fc.assert(
      fc.property(
        command,
        fc.boolean(),
        fc.boolean(),
        fc.array(separator, { minLength: 8, maxLength: 8 }),
        (cmd, shout, bare, gaps) => {
          const words = renderCommand(cmd, shout, bare);
          const text = slackEscape(words.map((word, i) => `${word}${gaps[i] ?? ' '}`).join(''));

          expect(parseGrayCommand(` ${text}`)).toEqual(cmd);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe('renderDuration (test-only)', () => {
  it.each([
    [5400, false, '1h30m'],
    [7 * 86400, false, '7d'],
    [90061, false, '1d1h1m1s'],
    [1800, true, '1800'],
  ])('writes %i seconds (bare: %s) as %s', (seconds, bare, text) => {
    expect(renderDuration(seconds, bare)).toBe(text);
  });
});

describe('usageOf', () => {
  it('gives the syntax and an example of one verb', () => {
    expect(usageOf('adopt')).toBe('`/gray adopt <service>`, like `/gray adopt address-service`');
    expect(usageOf('reconcile')).toBe('`/gray reconcile <service>`, like `/gray reconcile address-service`');
  });

  it('lists every form of a verb that has several', () => {
    expect(usageOf('teardown')).toBe(TEARDOWN_USAGE.slice('type '.length));
  });
});

describe('GRAY_USAGE', () => {
  it('has one line per command form, each a usage the grammar accepts once filled in', () => {
    const lines = GRAY_USAGE.split('\n');

    expect(lines).toHaveLength(17);
    expect(lines[3]).toBe('`/gray weight [service] <0-100>` — give the new slot that percent of the traffic');
    expect(lines.slice(9, 14)).toEqual([
      '`/gray teardown <service> <blue|green>` — remove the idle slot now',
      '`/gray teardown <service> cancel` — cancel the scheduled teardown',
      '`/gray teardown <service> extend <30m|2h|…>` — run the scheduled teardown later',
      '`/gray adopt <service>` — accept the live (drifted) state into the record',
      '`/gray reconcile <service>` — put the recorded routing back (needs approval)',
    ]);
    expect(lines.map((line) => line.split('`')[1]?.split(' ')[1])).toEqual([
      'help',
      'status',
      'deploy',
      'weight',
      'route',
      'route',
      'route',
      'promote',
      'rollback',
      'teardown',
      'teardown',
      'teardown',
      'adopt',
      'reconcile',
      'canary',
      'canary',
      'history',
    ]);
  });
});
