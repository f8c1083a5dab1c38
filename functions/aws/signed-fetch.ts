/**
 * SigV4-signed AWS requests with `fetch`, for the few AWS calls gray makes outside the DynamoDB client:
 * the Slack function's Lambda Invoke and SSM GetParameter, and EKS DescribeCluster. The SDK clients cost
 * 30–120 ms of import each on a cold start (measured: client-lambda 88 ms, Powertools parameters +
 * client-ssm 118 ms, client-eks 30–45 ms, @aws-sdk/credential-provider-env 25 ms); a signed fetch costs
 * the signer alone (@smithy/signature-v4 + @aws-crypto/sha256-js, bundled).
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { ConfigError } from '../release/errors.js';

/** AWS credentials: a role's temporary ones carry `sessionToken`. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * The credentials Lambda puts in the function's environment (`AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), read as @aws-sdk/credential-provider-env reads them.
 * Throws ConfigError when the key pair is missing.
 */
export function credentialsFromEnv(env: Record<string, string | undefined> = process.env): AwsCredentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new ConfigError(
      'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set; Lambda sets them from the function’s role (locally, export them or use GRAY_DISPATCH=inline)',
    );
  }
  return {
    accessKeyId,
    secretAccessKey,
    ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
  };
}

/** The region Lambda runs the function in (`AWS_REGION`); throws ConfigError when unset. */
export function regionFromEnv(env: Record<string, string | undefined> = process.env): string {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new ConfigError('AWS_REGION is not set; Lambda sets it (locally, export AWS_REGION)');
  return region;
}

/** `https://<service>.<region>.amazonaws.com` (`.amazonaws.com.cn` in China regions). */
export function awsEndpoint(service: string, region: string): string {
  return `https://${service}.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}`;
}

/** One request to sign and send. */
export interface SignedRequest {
  /** SigV4 service name, e.g. `lambda`, `ssm`. */
  service: string;
  region: string;
  /** The credentials, or a provider of them (the SDK's default chain, refreshed as it sees fit). */
  credentials: AwsCredentials | (() => Promise<AwsCredentials>);
  /** Full URL, query included; the path must already be percent-encoded (SigV4 encodes it once more for the signature). */
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** The request body (POST); none for GET. */
  body?: string;
  /** Gives up after this many ms (default 2,000: the Slack function must ack within 3,000). */
  timeoutMs?: number;
}

/** Signs `request` with SigV4 (Authorization, X-Amz-Date, X-Amz-Security-Token) and sends it with fetch. */
export async function signedFetch(request: SignedRequest): Promise<Response> {
  const url = new URL(request.url);
  const signer = new SignatureV4({
    credentials: request.credentials,
    region: request.region,
    service: request.service,
    sha256: Sha256,
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      // fetch sends the same Host (host[:port]) itself; it is signed, so it must match.
      headers: { ...request.headers, host: url.host },
      ...(request.body !== undefined ? { body: request.body } : {}),
    }),
  );
  const { host: _host, ...headers } = signed.headers;
  return fetch(url, {
    method: request.method,
    headers,
    ...(request.body !== undefined ? { body: request.body } : {}),
    signal: AbortSignal.timeout(request.timeoutMs ?? 2000),
  });
}
