/**
 * What an EKS control plane checks in a bearer token, written independently of the code under test:
 * aws-iam-authenticator's format rules (prefix, base64url, https STS host, path, whitelisted query
 * parameters, GetCallerIdentity, signed x-k8s-aws-id, X-Amz-Expires 0..900, X-Amz-Date within
 * 15 minutes) and, given the secret key, a SigV4 signature recomputed with node:crypto in place
 * of STS.
 */
import { createHash, createHmac } from 'node:crypto';

const PREFIX = 'k8s-aws-v1.';
const ALLOWED_PARAMETERS = new Set([
  'action',
  'version',
  'x-amz-algorithm',
  'x-amz-credential',
  'x-amz-date',
  'x-amz-expires',
  'x-amz-security-token',
  'x-amz-signature',
  'x-amz-signedheaders',
]);
const EMPTY_BODY_SHA256 = createHash('sha256').update('').digest('hex');
const VALIDITY_MS = 15 * 60_000;

/** The URL inside a token; throws when the prefix is missing or the rest is not unpadded base64url. */
export function decodeEksToken(token: string): URL {
  if (!token.startsWith(PREFIX)) throw new Error(`token lacks the ${PREFIX} prefix`);
  const encoded = token.slice(PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) throw new Error('token is not unpadded base64url');
  return new URL(Buffer.from(encoded, 'base64url').toString('utf8'));
}

/** RFC 3986 encoding for the canonical query (SigV4). */
function encode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/**
 * SigV4 signature (hex) of a presigned GET URL whose signed headers are host and x-k8s-aws-id:
 * canonical request → string to sign → HMAC chain over date, region, service, aws4_request.
 */
export function computePresignedSignature(url: URL, clusterName: string, secretAccessKey: string): string {
  const params = [...url.searchParams.entries()].filter(([key]) => key !== 'X-Amz-Signature');
  const canonicalQuery = params
    .map(([key, value]) => [encode(key), encode(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const canonicalRequest = [
    'GET',
    url.pathname,
    canonicalQuery,
    `host:${url.host}\nx-k8s-aws-id:${clusterName}\n`,
    'host;x-k8s-aws-id',
    EMPTY_BODY_SHA256,
  ].join('\n');
  const amzDate = url.searchParams.get('X-Amz-Date') ?? '';
  const [, date = '', region = '', service = '', terminator = ''] = (
    url.searchParams.get('X-Amz-Credential') ?? ''
  ).split('/');
  const scope = `${date}/${region}/${service}/${terminator}`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    createHash('sha256').update(canonicalRequest, 'utf8').digest('hex'),
  ].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), terminator);
  return createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
}

/** What the verifying side knows: the cluster it serves, its STS host, and optionally the signer's secret. */
export interface EksTokenExpectation {
  clusterName: string;
  /** Regional STS host, e.g. sts.eu-west-1.amazonaws.com. */
  stsHost: string;
  /** When given, the signature must match one recomputed with this secret. */
  secretAccessKey?: string;
  /** Verification time in ms; default Date.now(). */
  now?: number;
}

/** Reason the token is refused, or undefined when it is acceptable. */
export function checkEksToken(token: string, expected: EksTokenExpectation): string | undefined {
  let url: URL;
  try {
    url = decodeEksToken(token);
  } catch (error) {
    return (error as Error).message;
  }
  if (url.protocol !== 'https:') return `unexpected scheme ${url.protocol}`;
  if (url.host !== expected.stsHost) return `unexpected host ${url.host}`;
  if (url.pathname !== '/') return `unexpected path ${url.pathname}`;
  const lower = new Map<string, string>();
  for (const key of new Set(url.searchParams.keys())) {
    if (!ALLOWED_PARAMETERS.has(key.toLowerCase())) return `non-whitelisted query parameter ${key}`;
    if (url.searchParams.getAll(key).length !== 1) return `query parameter ${key} has several values`;
    lower.set(key.toLowerCase(), url.searchParams.get(key) ?? '');
  }
  if (lower.get('action') !== 'GetCallerIdentity') return 'unexpected action';
  const signedHeaders = (lower.get('x-amz-signedheaders') ?? '').split(';');
  if (!signedHeaders.includes('x-k8s-aws-id')) return 'x-k8s-aws-id is not signed';
  const expires = Number(lower.get('x-amz-expires'));
  if (!Number.isInteger(expires) || expires < 0 || expires > 900) return 'invalid X-Amz-Expires';
  const date = (lower.get('x-amz-date') ?? '').match(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/);
  if (!date) return 'missing or malformed X-Amz-Date';
  const signedAt = Date.UTC(+date[1]!, +date[2]! - 1, +date[3]!, +date[4]!, +date[5]!, +date[6]!);
  if ((expected.now ?? Date.now()) > signedAt + VALIDITY_MS) return 'X-Amz-Date is more than 15 minutes old';
  const signature = lower.get('x-amz-signature') ?? '';
  if (!/^[0-9a-f]{64}$/.test(signature)) return 'malformed X-Amz-Signature';
  if (expected.secretAccessKey !== undefined) {
    const recomputed = computePresignedSignature(url, expected.clusterName, expected.secretAccessKey);
    if (recomputed !== signature) return 'signature does not match (wrong cluster, key or tampered URL)';
  }
  return undefined;
}
