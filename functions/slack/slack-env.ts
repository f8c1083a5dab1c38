/**
 * The Slack function's environment, checked with a few explicit rules instead of zod (zod and the
 * worker's config would add ~50 ms to a cold start that only needs three variables).
 */

import { credentialsFromEnv, regionFromEnv } from '../aws/signed-fetch.js';
import { ConfigError } from '../release/errors.js';
import { getDecryptedParameter } from './ssm-parameter.js';

/** What the deployed Slack function needs: how to verify requests and which worker to hand jobs to. */
export interface SlackFunctionEnv {
  /** The worker function's name or ARN (`GRAY_WORKER_FUNCTION`). */
  workerFunction: string;
  /** SSM SecureString parameter holding the signing secret (`SLACK_SIGNING_SECRET_PARAM`), if named. */
  signingSecretParam?: string;
  /** The plain signing secret (`SLACK_SIGNING_SECRET`, local use), if set. */
  signingSecret?: string;
}

/**
 * Checks the Slack function's variables; throws ConfigError naming each problem: no signing secret
 * (neither SLACK_SIGNING_SECRET_PARAM nor SLACK_SIGNING_SECRET), no GRAY_WORKER_FUNCTION, or a
 * GRAY_DISPATCH other than `lambda` (inline dispatch runs the worker in-process: tests, demo, dev only).
 */
export function readSlackFunctionEnv(
  env: Record<string, string | undefined> = process.env,
): SlackFunctionEnv {
  const problems: string[] = [];
  const param = env.SLACK_SIGNING_SECRET_PARAM || undefined;
  const plain = env.SLACK_SIGNING_SECRET || undefined;
  if (!param && !plain) {
    problems.push(
      'SLACK_SIGNING_SECRET_PARAM (the SSM parameter holding the Slack app’s signing secret) or SLACK_SIGNING_SECRET is required',
    );
  }
  const workerFunction = env.GRAY_WORKER_FUNCTION || undefined;
  if (!workerFunction) problems.push('GRAY_WORKER_FUNCTION is required (the worker function’s name)');
  const dispatch = env.GRAY_DISPATCH ?? 'lambda';
  if (dispatch !== 'lambda') {
    problems.push(
      `GRAY_DISPATCH=${dispatch} cannot be used by the deployed slack function: it hands every job to the worker Lambda (GRAY_DISPATCH=lambda); inline dispatch is for npm run dev, npm run demo and tests`,
    );
  }
  if (problems.length > 0) throw new ConfigError(`environment is invalid: ${problems.join('; ')}`);
  return {
    workerFunction: workerFunction!,
    ...(param ? { signingSecretParam: param } : {}),
    ...(plain ? { signingSecret: plain } : {}),
  };
}

/**
 * The signing secret: read from SSM (decrypted; `AWS_ENDPOINT_URL_SSM` overrides the endpoint) when
 * its parameter is named, else the plain value. Throws ConfigError when SSM refuses or it is empty.
 */
export async function resolveSigningSecret(
  settings: SlackFunctionEnv,
  env: Record<string, string | undefined> = process.env,
): Promise<string> {
  if (!settings.signingSecretParam) return settings.signingSecret ?? '';
  return getDecryptedParameter(settings.signingSecretParam, 'SLACK_SIGNING_SECRET_PARAM', {
    region: regionFromEnv(env),
    credentials: credentialsFromEnv(env),
    ...(env.AWS_ENDPOINT_URL_SSM ? { endpoint: env.AWS_ENDPOINT_URL_SSM } : {}),
  });
}
