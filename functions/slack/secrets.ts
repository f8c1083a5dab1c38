/**
 * Slack credentials for the worker's and the sweeper's cold start. Deployed, the functions get only the
 * NAMES of SSM SecureString parameters (SLACK_BOT_TOKEN_PARAM; the slack function's
 * SLACK_SIGNING_SECRET_PARAM); the values are read with the same signed GetParameter as the slack
 * function's (ssm-parameter.ts: no SDK client to load) and reused for `maxAgeSeconds` in the warm
 * container. Locally the plain SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN are used as they are.
 */
import { credentialsFromEnv, regionFromEnv } from '../aws/signed-fetch.js';
import { getDecryptedParameter } from './ssm-parameter.js';

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

/** Values read from SSM in this container: parameter name → value and when it was read (epoch ms). */
const cache = new Map<string, { value: string; at: number }>();

async function resolveOne(
  key: (typeof SECRETS)[number],
  env: Record<string, string | undefined>,
  maxAge: number,
): Promise<string | undefined> {
  const parameter = env[`${key}_PARAM`];
  if (!parameter) return env[key] || undefined;
  const cached = cache.get(parameter);
  if (cached && Date.now() - cached.at < maxAge * 1000) return cached.value;
  // Lambda puts the role's credentials and the region in the environment; AWS_ENDPOINT_URL_SSM points
  // at another SSM (a loopback one in tests), as the SDK honours it.
  const aws = { ...process.env, ...env };
  const value = await getDecryptedParameter(parameter, `${key}_PARAM`, {
    region: regionFromEnv(aws),
    credentials: credentialsFromEnv(aws),
    ...(aws.AWS_ENDPOINT_URL_SSM ? { endpoint: aws.AWS_ENDPOINT_URL_SSM } : {}),
  });
  cache.set(parameter, { value, at: Date.now() });
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
