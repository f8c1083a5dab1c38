/**
 * Slack credentials for the worker's and the sweeper's cold start. Deployed, the functions get only the
 * NAMES of SSM SecureString parameters (SLACK_BOT_TOKEN_PARAM; the slack function's
 * SLACK_SIGNING_SECRET_PARAM); the values are read with Powertools parameters (decrypted, cached for
 * the warm container). Locally the plain SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN are used as they are.
 * The slack function itself reads its signing secret with slack-env.ts (a signed fetch: the SDK's SSM
 * client would cost its cold start ~120 ms).
 */
import { getParameter } from '@aws-lambda-powertools/parameters/ssm';
import { ConfigError } from '../release/errors.js';

/** The secrets gray's Slack side uses; a key is absent when neither its parameter nor its value is set. */
export interface SlackSecrets {
  SLACK_SIGNING_SECRET?: string;
  SLACK_BOT_TOKEN?: string;
}

/** Options of {@link resolveSlackSecrets}. */
export interface ResolveSlackSecretsOptions {
  /** Seconds a value read from SSM is reused before SSM is asked again (rotation shows up after this); default 300. */
  maxAgeSeconds?: number;
}

/** Default reuse of an SSM value: five minutes, so a rotated secret takes effect without a redeploy. */
export const SLACK_SECRET_MAX_AGE_SECONDS = 300;

const SECRETS = ['SLACK_SIGNING_SECRET', 'SLACK_BOT_TOKEN'] as const;

async function resolveOne(
  key: (typeof SECRETS)[number],
  env: Record<string, string | undefined>,
  maxAge: number,
): Promise<string | undefined> {
  const parameter = env[`${key}_PARAM`];
  if (!parameter) return env[key] || undefined;
  let value: string | undefined;
  try {
    value = await getParameter(parameter, { decrypt: true, maxAge });
  } catch (error) {
    throw new ConfigError(
      `cannot read SSM parameter ${parameter} (${key}_PARAM): ${(error as Error).message}; create it as a SecureString in this region and let the function's role ssm:GetParameter it`,
      { cause: error },
    );
  }
  if (!value) {
    throw new ConfigError(
      `SSM parameter ${parameter} (${key}_PARAM) is empty; put the Slack app's value in it`,
    );
  }
  return value;
}

/**
 * Resolves `{ SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN }` from `env`: a set `<KEY>_PARAM` is read from SSM
 * (GetParameter with decryption; repeated calls within `maxAgeSeconds` make no request), else the plain
 * `<KEY>` is returned; unset keys are left out. Throws ConfigError naming the parameter when SSM fails
 * or the parameter is empty.
 */
export async function resolveSlackSecrets(
  env: Record<string, string | undefined> = process.env,
  options: ResolveSlackSecretsOptions = {},
): Promise<SlackSecrets> {
  const maxAge = options.maxAgeSeconds ?? SLACK_SECRET_MAX_AGE_SECONDS;
  const values = await Promise.all(SECRETS.map((key) => resolveOne(key, env, maxAge)));
  const secrets: SlackSecrets = {};
  SECRETS.forEach((key, index) => {
    const value = values[index];
    if (value !== undefined) secrets[key] = value;
  });
  return secrets;
}
