/**
 * EKS DescribeCluster as one SigV4-signed GET of `/clusters/<name>` (EKS's REST-JSON API), which is
 * all gray asks of EKS. @aws-sdk/client-eks did the same, but loading it cost the worker and the
 * sweeper 30–45 ms of every cold start (measured, ×0.15 of figures 2b/2c) for a call made once per
 * cluster per container; the signer is bundled already for the EKS token (functions/aws/signed-fetch.ts).
 */
import { signedFetch } from '../aws/signed-fetch.js';
import { type EksCredentials, eksEndpointForRegion } from './eks-token.js';

/** The fields of DescribeCluster's `cluster` gray reads (the rest of the answer is kept as sent). */
export interface EksClusterDescription {
  name?: string;
  /** CREATING | ACTIVE | DELETING | FAILED | UPDATING | PENDING. */
  status?: string;
  /** The API server URL. */
  endpoint?: string;
  /** `data`: the cluster CA as base64 PEM. */
  certificateAuthority?: { data?: string };
  [field: string]: unknown;
}

/** An error answer of the EKS API: `name` is its error type (ResourceNotFoundException, …), `status` the HTTP status. */
export class EksApiError extends Error {
  /** `type` becomes `name`, as the SDK names its exceptions; `status` is the HTTP status. */
  constructor(
    type: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = type;
  }
}

/** Input of {@link describeEksCluster}. */
export interface DescribeEksClusterInput {
  clusterName: string;
  region: string;
  credentials: EksCredentials;
  /** EKS API base URL override (a loopback server in tests); default: the region's, e.g. https://eks.eu-west-1.amazonaws.com. */
  endpoint?: string;
  /** Per-attempt timeout, ms; default 10,000. */
  timeoutMs?: number;
  /** Attempts in all (the SDK's standard retry mode makes 3); default 3. */
  maxAttempts?: number;
  /** Sleep between attempts (tests shorten it). */
  sleep?: (ms: number) => Promise<void>;
}

// The SDK's standard retry mode retries these, and 5xx / network failures (@smithy/service-error-classification).
const THROTTLING =
  /^(Throttling|ThrottlingException|ThrottledException|TooManyRequestsException|RequestLimitExceeded|RequestThrottled|RequestThrottledException|SlowDown|PriorRequestNotComplete|ProvisionedThroughputExceededException|BandwidthLimitExceeded|TransactionInProgressException|EC2ThrottledException)$/;

/** fetch rejects with a TypeError when the connection fails, and a TimeoutError when the signal fires. */
const isNetworkFailure = (error: unknown): error is Error =>
  error instanceof TypeError || (error instanceof Error && error.name === 'TimeoutError');

const isRetryable = (error: unknown): boolean =>
  error instanceof EksApiError
    ? error.status === 429 || error.status >= 500 || THROTTLING.test(error.name)
    : isNetworkFailure(error);

/** fetch's "fetch failed" with the reason (ECONNREFUSED …) from its cause, for the user-facing message. */
function explained(error: Error): Error {
  const cause = (error.cause as Error | undefined)?.message;
  return new Error(cause ? `${error.message}: ${cause}` : error.message, { cause: error });
}

/** The AWS error type of a REST-JSON error answer: the `x-amzn-errortype` header, else `__type` / `code` in the body. */
function errorType(headers: Headers, body: { __type?: string; code?: string }): string | undefined {
  const raw = headers.get('x-amzn-errortype') ?? body.__type ?? body.code;
  return raw?.split(':')[0]?.split('#').pop() || undefined;
}

async function describeOnce(input: DescribeEksClusterInput): Promise<EksClusterDescription> {
  const base = input.endpoint ?? eksEndpointForRegion(input.region);
  const url = new URL(`${base.replace(/\/$/, '')}/clusters/${encodeURIComponent(input.clusterName)}`);
  const response = await signedFetch({
    service: 'eks',
    region: input.region,
    credentials: input.credentials,
    url: url.toString(),
    method: 'GET',
    headers: { accept: 'application/json' },
    timeoutMs: input.timeoutMs ?? 10_000,
  });
  const text = await response.text();
  let body: { cluster?: EksClusterDescription; message?: string; Message?: string } = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    // Not JSON (a proxy's page): the status and the text say what happened.
  }
  if (!response.ok) {
    const type = errorType(response.headers, body as { __type?: string }) ?? `HTTP${response.status}`;
    const detail = body.message ?? body.Message ?? text.slice(0, 200);
    throw new EksApiError(type, `${type}: ${detail || `HTTP ${response.status}`}`, response.status);
  }
  if (!body.cluster)
    throw new EksApiError('InvalidResponse', 'DescribeCluster answered without a cluster', 200);
  return body.cluster;
}

/**
 * DescribeCluster of `clusterName` in `region`: the cluster's status, endpoint and CA. Retries
 * throttling, 5xx and network failures (3 attempts, full-jitter backoff from 100 ms, as the SDK's
 * standard mode). Throws EksApiError for the API's refusals (e.g. ResourceNotFoundException,
 * AccessDeniedException), an Error naming the reason for network failures, ConfigError for a
 * malformed region.
 */
export async function describeEksCluster(input: DescribeEksClusterInput): Promise<EksClusterDescription> {
  const attempts = input.maxAttempts ?? 3;
  const sleep = input.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await describeOnce(input);
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error))
        throw isNetworkFailure(error) ? explained(error) : error;
      await sleep(Math.random() * Math.min(20_000, 100 * 2 ** attempt));
    }
  }
}
