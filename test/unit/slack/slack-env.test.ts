import { describe, expect, it } from 'vitest';
import { awsEndpoint, credentialsFromEnv, regionFromEnv } from '../../../functions/aws/signed-fetch.js';
import { ConfigError } from '../../../functions/release/errors.js';
import { readGrayEnv } from '../../../functions/slack/runtime.js';
import { readSlackFunctionEnv, resolveSigningSecret } from '../../../functions/slack/slack-env.js';

const error = (run: () => unknown) => {
  try {
    run();
  } catch (thrown) {
    return thrown;
  }
  throw new Error('did not throw');
};

describe('readSlackFunctionEnv', () => {
  it('reads the deployed environment: the signing secret parameter and the worker', () => {
    expect(
      readSlackFunctionEnv({
        SLACK_SIGNING_SECRET_PARAM: '/gray/prod/slack-signing-secret',
        GRAY_WORKER_FUNCTION: 'gray-prod-worker',
        GRAY_DISPATCH: 'lambda',
        GRAY_TABLE_NAME: 'gray-prod',
      }),
    ).toEqual({ signingSecretParam: '/gray/prod/slack-signing-secret', workerFunction: 'gray-prod-worker' });
  });

  it('names every missing variable in one ConfigError', () => {
    const thrown = error(() => readSlackFunctionEnv({}));

    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toBe(
      'environment is invalid: SLACK_SIGNING_SECRET_PARAM (the SSM parameter holding the Slack app’s signing secret) or SLACK_SIGNING_SECRET is required; GRAY_WORKER_FUNCTION is required (the worker function’s name)',
    );
  });

  it('refuses inline dispatch, which only tests, the demo and npm run dev may use', () => {
    expect(
      (
        error(() =>
          readSlackFunctionEnv({
            SLACK_SIGNING_SECRET: 's',
            GRAY_WORKER_FUNCTION: 'w',
            GRAY_DISPATCH: 'inline',
          }),
        ) as Error
      ).message,
    ).toBe(
      'environment is invalid: GRAY_DISPATCH=inline cannot be used by the deployed slack function: it hands every job to the worker Lambda (GRAY_DISPATCH=lambda); inline dispatch is for npm run dev, npm run demo and tests',
    );
  });

  it('uses a plain signing secret as it is, asking SSM nothing', async () => {
    const settings = readSlackFunctionEnv({
      SLACK_SIGNING_SECRET: 'local-secret',
      GRAY_WORKER_FUNCTION: 'w',
    });

    expect(await resolveSigningSecret(settings, {})).toBe('local-secret');
  });
});

describe('credentialsFromEnv and regionFromEnv', () => {
  it('reads the role credentials Lambda exports, with the session token', () => {
    expect(
      credentialsFromEnv({
        AWS_ACCESS_KEY_ID: 'ASIAGRAY',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_SESSION_TOKEN: 'token',
      }),
    ).toEqual({ accessKeyId: 'ASIAGRAY', secretAccessKey: 'secret', sessionToken: 'token' });
    expect(credentialsFromEnv({ AWS_ACCESS_KEY_ID: 'AKIAGRAY', AWS_SECRET_ACCESS_KEY: 'secret' })).toEqual({
      accessKeyId: 'AKIAGRAY',
      secretAccessKey: 'secret',
    });
  });

  it('throws ConfigError without a key pair or a region', () => {
    expect(error(() => credentialsFromEnv({ AWS_ACCESS_KEY_ID: 'AKIAGRAY' }))).toBeInstanceOf(ConfigError);
    expect((error(() => regionFromEnv({})) as Error).message).toBe(
      'AWS_REGION is not set; Lambda sets it (locally, export AWS_REGION)',
    );
    expect(regionFromEnv({ AWS_REGION: 'eu-west-1' })).toBe('eu-west-1');
  });

  it('builds regional endpoints, China regions on amazonaws.com.cn', () => {
    expect(awsEndpoint('lambda', 'eu-west-1')).toBe('https://lambda.eu-west-1.amazonaws.com');
    expect(awsEndpoint('ssm', 'cn-north-1')).toBe('https://ssm.cn-north-1.amazonaws.com.cn');
  });
});

describe('readGrayEnv (worker and sweeper)', () => {
  it('keeps the three variables it checks and needs no signing secret', () => {
    expect(
      readGrayEnv({
        SLACK_BOT_TOKEN: 'xoxb-1-2',
        GRAY_TABLE_NAME: 'gray-prod',
        GRAY_DISPATCH: 'lambda',
        GRAY_WORKER_FUNCTION: 'gray-prod-worker',
      }),
    ).toEqual({ SLACK_BOT_TOKEN: 'xoxb-1-2', GRAY_TABLE_NAME: 'gray-prod' });
  });

  it('names each invalid variable', () => {
    expect(
      (error(() => readGrayEnv({ SLACK_BOT_TOKEN: 'xoxp-1', SLACK_API_URL: 'nope' })) as Error).message,
    ).toBe(
      'environment is invalid: SLACK_BOT_TOKEN: SLACK_BOT_TOKEN must be the bot token (xoxb-…); SLACK_API_URL: Invalid URL; GRAY_TABLE_NAME: Invalid input: expected string, received undefined',
    );
  });
});
