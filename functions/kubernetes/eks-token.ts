/**
 * EKS bearer tokens, made the way aws-iam-authenticator and `aws eks get-token` make them: a
 * presigned STS GetCallerIdentity GET URL with the cluster name in the signed `x-k8s-aws-id`
 * header, base64url-encoded without padding behind `k8s-aws-v1.`. Signing is local (no STS call);
 * the API server's authenticator sends the URL to STS to learn who signed it.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { ConfigError } from '../release/errors.js';

/** AWS credentials as the SDK resolves them; `expiration` is set for temporary ones (a Lambda role). */
export interface EksCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** A credential source such as the SDK's `defaultProvider()`; `forceRefresh` skips its cache. */
export type EksCredentialProvider = (options?: { forceRefresh?: boolean }) => Promise<EksCredentials>;

/** Prefix aws-iam-authenticator expects on every token. */
export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';

/** Header that binds the presigned URL to one cluster; the authenticator rejects tokens without it signed. */
export const CLUSTER_ID_HEADER = 'x-k8s-aws-id';

/**
 * Seconds in X-Amz-Expires. STS ignores it (a presigned GetCallerIdentity URL is valid for 15 minutes
 * after X-Amz-Date); authenticators up to 0.3.0 required 0..60, so every client sends 60.
 */
export const PRESIGN_EXPIRES_SECONDS = 60;

/** How long a token is used after signing: 15 minutes of STS validity less aws-iam-authenticator's 1-minute cushion. */
export const EKS_TOKEN_LIFETIME_MS = 14 * 60_000;

const STS_API_VERSION = '2011-06-15';
const REGION_PATTERN = /^[a-z]{2,4}(-[a-z]+)+-\d+$/;

// DNS suffix per partition, by region prefix (aws-sdk partitions.json). The first match wins, so the
// longer ISO prefixes come before the plain ones.
const PARTITIONS: readonly { id: string; prefix: string; dnsSuffix: string }[] = [
  { id: 'aws-cn', prefix: 'cn-', dnsSuffix: 'amazonaws.com.cn' },
  { id: 'aws-us-gov', prefix: 'us-gov-', dnsSuffix: 'amazonaws.com' },
  { id: 'aws-iso-b', prefix: 'us-isob-', dnsSuffix: 'sc2s.sgov.gov' },
  { id: 'aws-iso-f', prefix: 'us-isof-', dnsSuffix: 'csp.hci.ic.gov' },
  { id: 'aws-iso', prefix: 'us-iso-', dnsSuffix: 'c2s.ic.gov' },
  { id: 'aws-iso-e', prefix: 'eu-isoe-', dnsSuffix: 'cloud.adc-e.uk' },
  { id: 'aws-eusc', prefix: 'eusc-', dnsSuffix: 'amazonaws.eu' },
];

function partitionOf(region: string): { id: string; dnsSuffix: string } {
  if (!REGION_PATTERN.test(region)) {
    throw new ConfigError(`eks: "${region}" is not an AWS region; use a region code like eu-west-1`);
  }
  return PARTITIONS.find((p) => region.startsWith(p.prefix)) ?? { id: 'aws', dnsSuffix: 'amazonaws.com' };
}

/** Partition id and regional STS host for `region`, e.g. cn-north-1 → aws-cn, sts.cn-north-1.amazonaws.com.cn. Throws ConfigError for a malformed region. */
export function stsEndpointForRegion(region: string): { partition: string; host: string } {
  const partition = partitionOf(region);
  return { partition: partition.id, host: `sts.${region}.${partition.dnsSuffix}` };
}

/** The regional EKS API, e.g. cn-north-1 → https://eks.cn-north-1.amazonaws.com.cn. Throws ConfigError for a malformed region. */
export function eksEndpointForRegion(region: string): string {
  return `https://eks.${region}.${partitionOf(region).dnsSuffix}`;
}

/** RFC 3986 percent-encoding, as SigV4 canonical query strings require. */
function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function formatQuery(query: Record<string, string | string[] | null>): string {
  return Object.entries(query)
    .map(([key, value]) => `${escapeUri(key)}=${escapeUri(String(value ?? ''))}`)
    .join('&');
}

async function resolveCredentials(
  source: EksCredentials | EksCredentialProvider | undefined,
): Promise<EksCredentials> {
  if (typeof source === 'function') return source();
  return source ?? defaultProvider()();
}

/** Input of {@link createEksToken}. */
export interface CreateEksTokenInput {
  /** EKS cluster name; it goes into the signed `x-k8s-aws-id` header. */
  clusterName: string;
  /** The cluster's region; picks the regional STS host of its partition. */
  region: string;
  /** Credentials or a provider; default: the SDK's default chain (the Lambda role). */
  credentials?: EksCredentials | EksCredentialProvider;
  /** Signing time; default: now. */
  now?: Date;
}

/**
 * Signs an EKS bearer token locally. Returns `token` (`k8s-aws-v1.<base64url URL, unpadded>`) and
 * `expiresAt` = signing time + 14 minutes, or the credentials' expiration if that is sooner.
 * Throws ConfigError for a malformed region; credential-provider errors pass through.
 */
export async function createEksToken(
  input: CreateEksTokenInput,
): Promise<{ token: string; expiresAt: Date }> {
  const { host } = stsEndpointForRegion(input.region);
  const credentials = await resolveCredentials(input.credentials);
  const signingDate = input.now ?? new Date();
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
    },
    region: input.region,
    service: 'sts',
    sha256: Sha256,
  });
  const request = new HttpRequest({
    method: 'GET',
    protocol: 'https:',
    hostname: host,
    path: '/',
    query: { Action: 'GetCallerIdentity', Version: STS_API_VERSION },
    headers: { host, [CLUSTER_ID_HEADER]: input.clusterName },
  });
  const presigned = await signer.presign(request, { expiresIn: PRESIGN_EXPIRES_SECONDS, signingDate });
  const url = `https://${host}/?${formatQuery(presigned.query ?? {})}`;
  const lifetimeEnd = signingDate.getTime() + EKS_TOKEN_LIFETIME_MS;
  const expiresAt = new Date(Math.min(lifetimeEnd, credentials.expiration?.getTime() ?? lifetimeEnd));
  return { token: EKS_TOKEN_PREFIX + Buffer.from(url, 'utf8').toString('base64url'), expiresAt };
}
