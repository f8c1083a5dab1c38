// The deployed entry point of functions/slack.ts as Lambda runs it: its environment names the signing
// secret's SSM parameter and the worker; the secret comes from a loopback SSM (AWS_ENDPOINT_URL_SSM) and
// every job goes to a loopback Lambda (GRAY_LAMBDA_ENDPOINT) — both signed with the role's credentials.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../../functions/release/errors.js';
import { logger } from '../../../functions/slack/logger.js';
import { getDecryptedParameter } from '../../../functions/slack/ssm-parameter.js';
import { handler } from '../../../functions/slack.js';
import { signedEvent, slashCommandBody } from '../../support/slack-requests.js';
import { startWorkerLambda, type WorkerLambdaServer } from '../../support/slack-worker-lambda.js';
import { type SsmApiServer, startSsmApiServer } from '../../support/ssm-api-server.js';

const REGION = 'eu-west-1';
const SECRET_KEY = 'gray-entry-secret-access-key';
const SIGNING_SECRET = '8f14e45fceea167a5a36dedd4bea2543-entry';
const PARAM = '/gray/entry/slack-signing-secret';
const ENV = [
  'SLACK_SIGNING_SECRET_PARAM',
  'SLACK_SIGNING_SECRET',
  'GRAY_WORKER_FUNCTION',
  'GRAY_DISPATCH',
  'GRAY_LAMBDA_ENDPOINT',
  'AWS_ENDPOINT_URL_SSM',
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
];
const saved = Object.fromEntries(ENV.map((key) => [key, process.env[key]]));
let ssm: SsmApiServer;
let lambda: WorkerLambdaServer;

beforeAll(async () => {
  [ssm, lambda] = await Promise.all([
    startSsmApiServer(REGION),
    startWorkerLambda({ region: REGION, secretAccessKey: SECRET_KEY }),
  ]);
  ssm.putSecureString(PARAM, SIGNING_SECRET);
  Object.assign(process.env, {
    SLACK_SIGNING_SECRET_PARAM: PARAM,
    GRAY_WORKER_FUNCTION: 'gray-entry-worker',
    GRAY_DISPATCH: 'lambda',
    GRAY_LAMBDA_ENDPOINT: lambda.url,
    AWS_ENDPOINT_URL_SSM: ssm.url,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'ASIAGRAYENTRY',
    AWS_SECRET_ACCESS_KEY: SECRET_KEY,
    AWS_SESSION_TOKEN: 'entry-session-token',
  });
  delete process.env.SLACK_SIGNING_SECRET;
});

afterAll(async () => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await Promise.all([ssm.close(), lambda.close()]);
});

const command = (text: string, trigger: string) =>
  handler(
    signedEvent(
      slashCommandBody(text, {
        user: 'U0ALICE',
        channel: 'C0RELEASES',
        triggerId: trigger,
        responseUrl: `https://hooks.slack.com/commands/T0/${trigger}`,
      }),
      { secret: SIGNING_SECRET },
    ),
    {} as never,
  );

describe('functions/slack.ts handler (deployed wiring)', () => {
  it('reads the signing secret from SSM once and hands `/gray weight` to the worker Lambda, acking on its way', async () => {
    const first = await command('weight address-service 25', 'entry-1');
    const second = await command('status', 'entry-2');

    expect([first.statusCode, JSON.parse(first.body)]).toEqual([
      200,
      {
        response_type: 'ephemeral',
        text: 'on its way: weight 25 on address-service; the answer follows here',
      },
    ]);
    expect(JSON.parse(second.body).text).toBe('reading the status of this channel’s services…');
    expect(ssm.calls()).toEqual([
      { target: 'AmazonSSM.GetParameter', name: PARAM, withDecryption: true, signed: true },
    ]);
    const invokes = lambda.invokes();
    expect(invokes.map((i) => [i.path, i.headers['x-amz-invocation-type'], i.signatureValid])).toEqual([
      ['/2015-03-31/functions/gray-entry-worker/invocations', 'Event', true],
      ['/2015-03-31/functions/gray-entry-worker/invocations', 'Event', true],
    ]);
    expect(JSON.parse(invokes[0]!.body)).toEqual({
      kind: 'command',
      command: { verb: 'weight', service: 'address-service', weight: 25 },
      user: 'U0ALICE',
      channel: 'C0RELEASES',
      triggerId: 'entry-1',
      responseUrl: 'https://hooks.slack.com/commands/T0/entry-1',
    });
  });

  it('answers 401 to a request signed with another secret, invoking nothing', async () => {
    const before = lambda.invokes().length;
    const event = signedEvent('command=%2Fgray&text=weight+25', { secret: 'not-the-secret' });

    const response = await handler(event, {} as never);

    expect(response).toEqual({ statusCode: 401, body: '' });
    expect(lambda.invokes().length).toBe(before);
  });

  it('tells the user when Lambda refuses the hand-off: an internal error naming the trigger id', async () => {
    lambda.failNext(1, 503, 'ServiceException');
    const logged = vi.spyOn(logger, 'error').mockImplementation(() => undefined);

    const response = await command('promote address-service', 'entry-3');

    expect(JSON.parse(response.body).text).toBe(
      '⚠️ gray hit an internal error (correlation id `entry-3`); the team can find it in the logs',
    );
    // …and the logs do have it, under that id, with the refused invoke's status.
    expect(logged.mock.calls).toEqual([
      ['internal error', { correlationId: 'entry-3', error: expect.objectContaining({ status: 503 }) }],
    ]);
    logged.mockRestore();
  });
});

describe('getDecryptedParameter', () => {
  const options = () => ({
    region: REGION,
    credentials: { accessKeyId: 'AKIAGRAY', secretAccessKey: SECRET_KEY },
    endpoint: ssm.url,
  });

  it('returns the decrypted value of a SecureString', async () => {
    ssm.putSecureString('/gray/entry/other', 'plain-value');

    expect(await getDecryptedParameter('/gray/entry/other', 'X_PARAM', options())).toBe('plain-value');
  });

  it('throws ConfigError naming the parameter and the fix when SSM has no such parameter', async () => {
    const error = await getDecryptedParameter('/gray/missing', 'SLACK_SIGNING_SECRET_PARAM', options()).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      "cannot read SSM parameter /gray/missing (SLACK_SIGNING_SECRET_PARAM): Parameter /gray/missing not found.; create it as a SecureString in this region and let the function's role ssm:GetParameter it",
    );
  });
});
