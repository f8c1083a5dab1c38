/**
 * The `gray` command line's reading of DynamoDB set-up errors: a wrong table name, an endpoint that does
 * not answer, a missing region or credentials are the user's environment, not gray's internals, so they
 * get a ConfigError that says which variable to fix instead of `internal error`.
 */
import { ConfigError } from '../release/errors.js';

/** Node's socket errors for an endpoint that does not answer (the SDK retries them first). */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

/**
 * A ConfigError explaining `error` when it is a DynamoDB set-up problem, else undefined. `env` gives
 * GRAY_TABLE_NAME, AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL and the region variables the
 * messages name. Recognises the AWS SDK's own errors: ResourceNotFoundException (no such table),
 * socket errors and timeouts carrying `$metadata` (after the SDK's retries; the local stack is
 * suggested only when an endpoint variable is set), AccessDeniedException, an answer that is not
 * DynamoDB's (deserialization error), "Region is missing", the credential provider chain's
 * CredentialsProviderError, and AWS's refusals of the credentials. Anything else (throttling, an
 * internal error) is left to the caller.
 */
export function explainStoreError(
  error: unknown,
  env: Record<string, string | undefined> = process.env,
): ConfigError | undefined {
  if (!(error instanceof Error)) return undefined;
  const { name, message } = error;
  const code = (error as { code?: unknown }).code;
  const fromSdk = '$metadata' in error;
  const endpoint = env.AWS_ENDPOINT_URL_DYNAMODB ?? env.AWS_ENDPOINT_URL;
  const where = endpoint
    ? `at ${endpoint}`
    : `in ${env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'its region'}`;
  const options = { cause: error };
  if (fromSdk && name === 'ResourceNotFoundException') {
    return new ConfigError(
      `DynamoDB has no table "${env.GRAY_TABLE_NAME}" ${where}: set GRAY_TABLE_NAME to gray's table, and AWS_ENDPOINT_URL_DYNAMODB for a local DynamoDB (\`npm run stack\` prints both for the local stack)`,
      options,
    );
  }
  if (fromSdk && typeof code === 'string' && UNREACHABLE.has(code)) {
    const check = endpoint
      ? 'is the local stack running (`npm run stack`), and is AWS_ENDPOINT_URL_DYNAMODB the address it printed?'
      : 'check the network and AWS_REGION, then try again';
    return new ConfigError(`DynamoDB did not answer ${where} (${code}): ${check}`, options);
  }
  if (fromSdk && name === 'AccessDeniedException') {
    return new ConfigError(
      `DynamoDB refused gray's AWS identity on table "${env.GRAY_TABLE_NAME}" (${message.split('\n')[0]}): it needs read and write access to that table (the deployed functions' role has it)`,
      options,
    );
  }
  if (fromSdk && /Deserialization error/.test(message)) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return new ConfigError(
      `the endpoint ${endpoint ?? 'for DynamoDB'} did not answer as DynamoDB does${status ? ` (HTTP ${status})` : ''}: check AWS_ENDPOINT_URL_DYNAMODB (\`npm run stack\` prints the local one)`,
      options,
    );
  }
  if (message === 'Region is missing') {
    return new ConfigError(
      'no AWS region for DynamoDB: set AWS_REGION (`npm run stack` prints it for the local stack)',
      options,
    );
  }
  if (
    name === 'CredentialsProviderError' ||
    (fromSdk &&
      ['UnrecognizedClientException', 'InvalidSignatureException', 'ExpiredTokenException'].includes(name))
  ) {
    return new ConfigError(
      `DynamoDB did not accept gray's AWS credentials (${message}): set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (\`npm run stack\` prints dummy ones for the local stack)`,
      options,
    );
  }
  return undefined;
}
