/**
 * The `/gray …` grammar: Slack's command text (after `/gray`, already form-decoded) → GrayCommand.
 * Pure, and light: the Slack function imports it on every cold start. Values are checked with the
 * release parsers (release/arguments.ts, canary/command.ts: modules without use-case imports) so Slack,
 * the CLI and the engine give the same messages; whether a service is configured is the worker's business.
 */

import { parseHeaderName, parseHeaderValue, parseSlot, parseWeight } from '../release/arguments.js';
import { type CanaryArgs, CanaryUsageError, parseCanaryArgs } from '../release/canary/command.js';
import { parseDuration } from '../release/duration.js';
import { InvalidInputError } from '../release/errors.js';
import { parseReleaseVersion } from '../release/version.js';
import { ALL_VERBS, type GrayCommand, type RouteSpec } from './commands.js';

/** A `/gray` verb. */
export type GrayVerb = GrayCommand['verb'];

interface UsageLine {
  verb: GrayVerb;
  syntax: string;
  does: string;
}

const USAGE_LINES: readonly UsageLine[] = [
  { verb: 'help', syntax: '/gray help', does: 'this list' },
  {
    verb: 'status',
    syntax: '/gray status [service]',
    does: 'both slots, weights, header route, teardown, drift',
  },
  {
    verb: 'deploy',
    syntax: '/gray deploy <service> [blue|green] <version>',
    does: 'roll a version out to the idle slot (it gets no traffic yet)',
  },
  {
    verb: 'weight',
    syntax: '/gray weight [service] <0-100>',
    does: 'give the new slot that percent of the traffic',
  },
  {
    verb: 'route',
    syntax: '/gray route <service> header <name>=<value>',
    does: 'send requests carrying that header to the new slot',
  },
  {
    verb: 'route',
    syntax: '/gray route <service> users <id,…>',
    does: 'send those users to the new slot',
  },
  { verb: 'route', syntax: '/gray route <service> off', does: 'remove the header route' },
  { verb: 'promote', syntax: '/gray promote [service]', does: 'send 100% to the new slot' },
  {
    verb: 'rollback',
    syntax: '/gray rollback [service]',
    does: 'send all traffic back to the previous slot',
  },
  { verb: 'teardown', syntax: '/gray teardown <service> <blue|green>', does: 'remove the idle slot now' },
  { verb: 'teardown', syntax: '/gray teardown <service> cancel', does: 'cancel the scheduled teardown' },
  {
    verb: 'teardown',
    syntax: '/gray teardown <service> extend <30m|2h|…>',
    does: 'run the scheduled teardown later',
  },
  { verb: 'adopt', syntax: '/gray adopt <service>', does: 'accept the live (drifted) state into the record' },
  {
    verb: 'reconcile',
    syntax: '/gray reconcile <service>',
    does: 'put the recorded routing back (needs approval)',
  },
  {
    verb: 'canary',
    syntax: '/gray canary <service> [steps 1,5,25,50,100] [every 5m]',
    does: 'step the new slot up automatically while its metrics hold; promote or roll back by itself',
  },
  {
    verb: 'canary',
    syntax: '/gray canary <service> pause|resume|abort',
    does: 'hold or continue the canary; abort sends all traffic back to the live slot',
  },
  { verb: 'history', syntax: '/gray history <service> [n]', does: 'the last n events (1–50, default 10)' },
];

const EXAMPLES: Record<GrayVerb, string> = {
  help: '/gray help',
  status: '/gray status address-service',
  deploy: '/gray deploy address-service green 1.0.1-fe220c2',
  weight: '/gray weight address-service 25',
  route: '/gray route address-service header x-latest-version=true',
  promote: '/gray promote address-service',
  rollback: '/gray rollback address-service',
  teardown: '/gray teardown address-service blue',
  'teardown-cancel': '/gray teardown address-service cancel',
  'teardown-extend': '/gray teardown address-service extend 2h',
  adopt: '/gray adopt address-service',
  reconcile: '/gray reconcile address-service',
  history: '/gray history address-service 20',
  canary: '/gray canary address-service steps 1,5,25,50,100 every 5m',
  'canary-pause': '/gray canary address-service pause',
  'canary-resume': '/gray canary address-service resume',
  'canary-abort': '/gray canary address-service abort',
};

/** `/gray help`: one line per command form, `` `syntax` — what it does ``, joined by newlines. */
export const GRAY_USAGE: string = USAGE_LINES.map((line) => `\`${line.syntax}\` — ${line.does}`).join('\n');

/** The usage of one verb, e.g. `` `/gray weight [service] <0-100>`, like `/gray weight address-service 25` ``. */
export function usageOf(verb: GrayVerb): string {
  const forms = USAGE_LINES.filter((line) => line.verb === verb).map((line) => `\`${line.syntax}\``);
  const listed = forms.length > 1 ? `${forms.slice(0, -1).join(', ')} or ${forms.at(-1)}` : forms.join('');
  return `${listed}, like \`${EXAMPLES[verb]}\``;
}

/** Default and bounds of `/gray history <service> [n]`. */
export const HISTORY_LIMIT = { default: 10, min: 1, max: 50 } as const;

// The config's rule for service names (functions/config.ts): an RFC 1035 label of at most 57
// characters, so `<name>-green` still fits a Kubernetes label value.
const SERVICE_NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const FORMATTING = ['*', '_', '~', '`', '"', "'"];
const MAX_SUGGESTION_DISTANCE = 3;

const usageError = (verb: GrayVerb): InvalidInputError =>
  new InvalidInputError(`${verb}: type ${usageOf(verb)}`);

/** Shortens user input echoed in a message so a 2,000-character paste stays a short reply. */
const echo = (input: string): string => (input.length > 40 ? `${input.slice(0, 39)}…` : input);

/**
 * Undoes what Slack and keyboards do to typed text: Slack escapes `&`, `<`, `>` in command text;
 * macOS and phones turn quotes into curly ones and insert zero-width or no-break spaces.
 */
function normalize(text: string): string {
  const plain = text
    .replace(/[\u200b-\u200d\u2060\ufeff]/g, '')
    .replace(/[\u201c\u201d\u201e\u201f\u2033]/g, '"')
    .replace(/[\u2018\u2019\u201a\u201b\u2032]/g, "'")
    .replace(/&(amp|lt|gt);/g, (_, name: string) => (name === 'amp' ? '&' : name === 'lt' ? '<' : '>'));
  // A whole command may come wrapped in `code` or *bold*.
  return unwrap(plain.trim()).trim();
}

/** Strips up to three matching pairs of Slack formatting or quotes: `*weight*`, `` `25` ``, `"blue"`. */
function unwrap(token: string): string {
  let result = token;
  for (let i = 0; i < 3; i++) {
    const first = result[0];
    if (result.length < 2 || first === undefined || !FORMATTING.includes(first) || !result.endsWith(first))
      break;
    result = result.slice(1, -1);
  }
  return result;
}

function parseService(verb: GrayVerb, token: string): string {
  const name = unwrap(token).toLowerCase();
  if (name.length > 57 || !SERVICE_NAME.test(name)) {
    throw new InvalidInputError(
      `${verb}: "${echo(token)}" is not a service name (lower-case letters, digits and -, like address-service); type ${usageOf(verb)}`,
    );
  }
  return name;
}

const looksLikeName = (token: string): boolean => /^[a-z]/i.test(unwrap(token));

function parseLimit(token: string): number {
  const text = unwrap(token);
  const n = /^\d{1,3}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= HISTORY_LIMIT.min && n <= HISTORY_LIMIT.max)) {
    throw new InvalidInputError(
      `history: "${echo(token)}" is not a number of events from 1 to 50; type ${usageOf('history')}`,
    );
  }
  return n;
}

function parseTeardownSlot(token: string) {
  try {
    return parseSlot(unwrap(token));
  } catch {
    throw new InvalidInputError(
      `teardown: slot "${echo(token)}" is not blue or green; type ${usageOf('teardown')}`,
    );
  }
}

function parseHeaderSpec(rest: string): RouteSpec {
  const eq = rest.indexOf('=');
  const split =
    eq >= 0 ? [rest.slice(0, eq), rest.slice(eq + 1)] : (/^(\S+)\s+(.+)$/s.exec(rest)?.slice(1) ?? []);
  const name = split[0]?.trim() ?? '';
  let value = split[1]?.trim() ?? '';
  const quote = value[0];
  if (value.length >= 2 && (quote === '"' || quote === "'") && value.endsWith(quote))
    value = value.slice(1, -1);
  if (name === '' || value === '') throw usageError('route');
  return { header: parseHeaderName(name), value: parseHeaderValue(value) };
}

function parseUsers(rest: string): RouteSpec {
  const users = [...new Set(rest.split(/[\s,]+/).filter((id) => id !== ''))];
  if (users.length === 0) throw usageError('route');
  if (users.length > 50) {
    // Same words as setHeaderRoute, which enforces the same bound.
    throw new InvalidInputError(
      'users: give 1 to 50 user ids separated by commas, like /gray route address-service users u1,u2',
    );
  }
  return { users: users.map(parseHeaderValue) };
}

function parseRoute(args: string[], text: string): GrayCommand {
  const [serviceToken, kindToken] = args;
  if (serviceToken === undefined || kindToken === undefined) throw usageError('route');
  const service = parseService('route', serviceToken);
  const kind = unwrap(kindToken).toLowerCase();
  // Header values may hold spaces, so the spec is the raw text after `route <svc> <kind>`.
  const rest = text.replace(/^\S+\s+\S+\s+\S+\s*/, '');
  if (kind === 'off' && args.length === 2) return { verb: 'route', service, route: { off: true } };
  if (kind === 'header') return { verb: 'route', service, route: parseHeaderSpec(rest) };
  if (kind === 'users' || kind === 'user') return { verb: 'route', service, route: parseUsers(rest) };
  throw usageError('route');
}

function parseDeploy(args: string[]): GrayCommand {
  const [serviceToken, second, third] = args;
  if (serviceToken === undefined || second === undefined || args.length > 3) throw usageError('deploy');
  const service = parseService('deploy', serviceToken);
  if (third === undefined) {
    if (/^(blue|green)$/i.test(unwrap(second))) throw usageError('deploy');
    return { verb: 'deploy', service, version: parseReleaseVersion(unwrap(second)) };
  }
  const slot = parseSlot(unwrap(second));
  return { verb: 'deploy', service, slot, version: parseReleaseVersion(unwrap(third)) };
}

function parseWeightCommand(args: string[]): GrayCommand {
  const [first, second] = args;
  if (first === undefined || args.length > 2) throw usageError('weight');
  if (second === undefined) {
    if (looksLikeName(first)) throw usageError('weight');
    return { verb: 'weight', weight: parseWeight(unwrap(first)) };
  }
  return { verb: 'weight', service: parseService('weight', first), weight: parseWeight(unwrap(second)) };
}

/** Optional-service verbs: `status`, `promote`, `rollback` take `[service]` and nothing else. */
function parseOptionalService(verb: 'status' | 'promote' | 'rollback', args: string[]): GrayCommand {
  const [first] = args;
  if (args.length > 1) throw usageError(verb);
  return first === undefined ? { verb } : { verb, service: parseService(verb, first) };
}

/** `/gray canary <svc> [steps …] [every …]` or `/gray canary <svc> pause|resume|abort`. */
function parseCanary(args: string[]): GrayCommand {
  const [serviceToken, ...rest] = args;
  if (serviceToken === undefined) throw usageError('canary');
  const service = parseService('canary', serviceToken);
  let parsed: CanaryArgs;
  try {
    parsed = parseCanaryArgs(rest.map((token) => unwrap(token).toLowerCase()));
  } catch (error) {
    throw error instanceof CanaryUsageError ? usageError('canary') : error;
  }
  if (parsed.action !== 'start') return { verb: `canary-${parsed.action}`, service };
  return {
    verb: 'canary',
    service,
    ...(parsed.steps ? { steps: parsed.steps } : {}),
    ...(parsed.interval !== undefined ? { interval: parsed.interval } : {}),
  };
}

/** Levenshtein distance between two short strings (verbs), O(a·b). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The verb closest to `word` by edit distance, when within 3 edits; ties go to the earlier verb. */
function closestVerb(word: string): GrayVerb | undefined {
  let best: { verb: GrayVerb; distance: number } | undefined;
  for (const verb of ALL_VERBS) {
    if (Math.abs(verb.length - word.length) > MAX_SUGGESTION_DISTANCE) continue;
    const distance = editDistance(word, verb);
    if (distance <= MAX_SUGGESTION_DISTANCE && (best === undefined || distance < best.distance))
      best = { verb, distance };
  }
  return best?.verb;
}

/**
 * Parses the text after `/gray` (form-decoded; tolerant of spacing, tabs, case of words, curly quotes,
 * Slack's `&amp;` escapes and `*bold*`/`` `code` `` wrapping) into a GrayCommand; empty text is help.
 * Throws InvalidInputError naming the verb with its usage, or the release parsers' own message.
 */
export function parseGrayCommand(text: string): GrayCommand {
  const normalized = normalize(text);
  if (normalized === '') return { verb: 'help' };
  const [verbToken = '', ...args] = normalized.split(/\s+/);
  const word = unwrap(verbToken).toLowerCase();
  switch (word) {
    case 'help':
      return { verb: 'help' };
    case 'status':
    case 'promote':
    case 'rollback':
      return parseOptionalService(word, args);
    case 'deploy':
      return parseDeploy(args);
    case 'weight':
      return parseWeightCommand(args);
    case 'route':
      return parseRoute(args, normalized);
    case 'teardown': {
      const [serviceToken, slotToken, durationToken] = args;
      if (serviceToken === undefined || slotToken === undefined || args.length > 3)
        throw usageError('teardown');
      const action = unwrap(slotToken).toLowerCase();
      if (action === 'cancel' && args.length === 2)
        return { verb: 'teardown-cancel', service: parseService('teardown', serviceToken) };
      if (action === 'extend' || action === 'cancel') {
        if (action === 'cancel' || durationToken === undefined) throw usageError('teardown');
        let seconds: number;
        try {
          seconds = parseDuration(unwrap(durationToken));
        } catch {
          seconds = Number.NaN;
        }
        // Same bounds as extendTeardown, checked here so the user hears it before anything is queued.
        if (!Number.isSafeInteger(seconds) || seconds < 60 || seconds > 7 * 86400) {
          throw new InvalidInputError(
            `teardown extend: "${echo(durationToken)}" is not a duration from 1m to 7d; write it like 30m, 2h or 1h30m, as in \`/gray teardown address-service extend 2h\``,
          );
        }
        return { verb: 'teardown-extend', service: parseService('teardown', serviceToken), seconds };
      }
      if (args.length > 2) throw usageError('teardown');
      return {
        verb: 'teardown',
        service: parseService('teardown', serviceToken),
        slot: parseTeardownSlot(slotToken),
      };
    }
    case 'adopt':
    case 'reconcile': {
      const [serviceToken] = args;
      if (serviceToken === undefined || args.length > 1) throw usageError(word);
      return { verb: word, service: parseService(word, serviceToken) };
    }
    case 'canary':
      return parseCanary(args);
    case 'history': {
      const [serviceToken, limitToken] = args;
      if (serviceToken === undefined || args.length > 2) throw usageError('history');
      const service = parseService('history', serviceToken);
      const limit = limitToken === undefined ? HISTORY_LIMIT.default : parseLimit(limitToken);
      return { verb: 'history', service, limit };
    }
    default: {
      const suggestion = closestVerb(word);
      const hint = suggestion ? `; did you mean \`/gray ${suggestion}\`? Type` : '; type';
      throw new InvalidInputError(
        `unknown command "${echo(unwrap(verbToken))}"${hint} \`/gray help\` for all commands`,
      );
    }
  }
}
