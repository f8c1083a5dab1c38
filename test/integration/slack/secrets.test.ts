// resolveSlackSecrets through its signed SSM GetParameter (functions/slack/ssm-parameter.ts), pointed at a
// loopback SSM endpoint with AWS_ENDPOINT_URL_SSM. Each test uses its own parameter names, because
// its cache lives for the whole process, as in a warm Lambda.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../../functions/release/errors.js';
import { resolveSlackSecrets } from '../../../functions/slack/secrets.js';
import { type SsmApiServer, startSsmApiServer } from '../../support/ssm-api-server.js';

const AWS_ENV = [
  'AWS_ENDPOINT_URL_SSM',
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
];
const saved = Object.fromEntries(AWS_ENV.map((key) => [key, process.env[key]]));
let ssm: SsmApiServer;

beforeAll(async () => {
  ssm = await startSsmApiServer();
  process.env.AWS_ENDPOINT_URL_SSM = ssm.url;
  process.env.AWS_REGION = 'eu-west-1';
  process.env.AWS_ACCESS_KEY_ID = 'AKIDGRAYTEST';
  process.env.AWS_SECRET_ACCESS_KEY = 'gray-test-secret-key';
  delete process.env.AWS_SESSION_TOKEN;
});

afterEach(() => {
  vi.useRealTimers();
});

afterAll(async () => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await ssm.close();
});

/** Parameters under a per-test prefix, stored in the loopback SSM. */
function storeSecrets(prefix: string): { signing: string; bot: string } {
  const signing = `/gray/${prefix}/slack-signing-secret`;
  const bot = `/gray/${prefix}/slack-bot-token`;
  ssm.putSecureString(signing, `8f14e45fceea167a5a36dedd4bea2543-${prefix}`);
  ssm.putSecureString(bot, `xoxb-1-2-${prefix}`);
  return { signing, bot };
}

const callsFor = (...names: string[]) =>
  ssm
    .calls()
    .filter((call) => call.name !== undefined && names.includes(call.name))
    .sort((a, b) => String(a.name).localeCompare(String(b.name)));

describe('resolveSlackSecrets', () => {
  it('reads both secrets from SSM SecureString parameters, decrypted, with signed GetParameter calls', async () => {
    const { signing, bot } = storeSecrets('read');

    const secrets = await resolveSlackSecrets({
      SLACK_SIGNING_SECRET_PARAM: signing,
      SLACK_BOT_TOKEN_PARAM: bot,
    });

    expect(secrets).toEqual({
      SLACK_SIGNING_SECRET: '8f14e45fceea167a5a36dedd4bea2543-read',
      SLACK_BOT_TOKEN: 'xoxb-1-2-read',
    });
    expect(callsFor(signing, bot)).toEqual([
      { target: 'AmazonSSM.GetParameter', name: bot, withDecryption: true, signed: true },
      { target: 'AmazonSSM.GetParameter', name: signing, withDecryption: true, signed: true },
    ]);
  });

  it('answers a second call from the cache without asking SSM', async () => {
    const { signing, bot } = storeSecrets('cache');
    const env = { SLACK_SIGNING_SECRET_PARAM: signing, SLACK_BOT_TOKEN_PARAM: bot };
    await resolveSlackSecrets(env);
    const before = ssm.calls().length;

    const again = await resolveSlackSecrets(env);

    expect(again).toEqual({
      SLACK_SIGNING_SECRET: '8f14e45fceea167a5a36dedd4bea2543-cache',
      SLACK_BOT_TOKEN: 'xoxb-1-2-cache',
    });
    expect(ssm.calls().length).toBe(before);
  });

  it('asks SSM again once maxAge has passed, so a rotated secret takes effect', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-01T10:00:00Z'));
    const { signing, bot } = storeSecrets('rotate');
    const env = { SLACK_SIGNING_SECRET_PARAM: signing, SLACK_BOT_TOKEN_PARAM: bot };
    await resolveSlackSecrets(env, { maxAgeSeconds: 300 });
    ssm.putSecureString(bot, 'xoxb-1-2-rotated');

    vi.setSystemTime(new Date('2026-03-01T10:04:59Z'));
    const cached = await resolveSlackSecrets(env, { maxAgeSeconds: 300 });
    vi.setSystemTime(new Date('2026-03-01T10:05:01Z'));
    const fresh = await resolveSlackSecrets(env, { maxAgeSeconds: 300 });

    expect(cached.SLACK_BOT_TOKEN).toBe('xoxb-1-2-rotate');
    expect(fresh.SLACK_BOT_TOKEN).toBe('xoxb-1-2-rotated');
    expect(callsFor(bot).length).toBe(2);
  });

  it('reads only the bot token where only its parameter is set (worker, sweeper)', async () => {
    const { signing, bot } = storeSecrets('worker');

    const secrets = await resolveSlackSecrets({ SLACK_BOT_TOKEN_PARAM: bot });

    expect(secrets).toEqual({ SLACK_BOT_TOKEN: 'xoxb-1-2-worker' });
    expect(callsFor(signing, bot).map((call) => call.name)).toEqual([bot]);
  });

  it('returns the plain environment values when no parameter is named (local use), asking nothing', async () => {
    const before = ssm.calls().length;

    const secrets = await resolveSlackSecrets({
      SLACK_SIGNING_SECRET: 'local-signing-secret',
      SLACK_BOT_TOKEN: 'xoxb-local',
      SLACK_API_URL: 'http://127.0.0.1:1/api/',
    });

    expect(secrets).toEqual({ SLACK_SIGNING_SECRET: 'local-signing-secret', SLACK_BOT_TOKEN: 'xoxb-local' });
    expect(ssm.calls().length).toBe(before);
  });

  it('prefers the parameter over a plain value when both are set', async () => {
    const { bot } = storeSecrets('both');

    const secrets = await resolveSlackSecrets({ SLACK_BOT_TOKEN_PARAM: bot, SLACK_BOT_TOKEN: 'xoxb-stale' });

    expect(secrets).toEqual({ SLACK_BOT_TOKEN: 'xoxb-1-2-both' });
  });

  it('throws ConfigError naming the parameter and the fix when SSM has no such parameter', async () => {
    const error = await resolveSlackSecrets({ SLACK_BOT_TOKEN_PARAM: '/gray/missing/slack-bot-token' }).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      "cannot read SSM parameter /gray/missing/slack-bot-token (SLACK_BOT_TOKEN_PARAM): Parameter /gray/missing/slack-bot-token not found.; create it as a SecureString in this region and let the function's role ssm:GetParameter it",
    );
  });
});
