/**
 * Connection details for EKS clusters, cached for the life of a warm Lambda container: endpoint
 * and CA per cluster (one DescribeCluster each), and a bearer token per cluster reused for at most
 * 14 minutes and never past the credentials' expiry less a margin. A warm weight shift therefore
 * makes no EKS call and signs no token.
 */

import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { ClusterUnavailableError, GrayError } from '../release/errors.js';
import { describeEksCluster, type EksClusterDescription } from './eks-describe-cluster.js';
import { createEksToken, EKS_TOKEN_LIFETIME_MS, type EksCredentialProvider } from './eks-token.js';

/** What a Kubernetes client needs to reach an EKS cluster: `server` URL, `caData` (base64 PEM, as EKS returns it), bearer `token`. */
export interface EksConnection {
  server: string;
  caData: string;
  token: string;
}

/** Options of {@link EksClusterAccess}; every one has a production default. */
export interface EksClusterAccessOptions {
  /** Credentials for DescribeCluster and token signing; default: the SDK's default chain (the Lambda role). */
  credentials?: EksCredentialProvider;
  /** EKS API endpoint override, e.g. a loopback server in tests; default: the regional endpoint. */
  eksEndpoint?: string;
  /** Clock in epoch milliseconds; default Date.now. */
  now?: () => number;
  /** Longest reuse of one token in ms; default 14 minutes (STS honours a signature for 15). */
  tokenLifetimeMs?: number;
  /** Stop reusing a token this many ms before the credentials that signed it expire; default 5 minutes. */
  credentialMarginMs?: number;
}

/** Counts for tests and logs: tokens signed (local, no STS call), DescribeCluster calls, `invalidateToken` calls. */
export interface EksAccessStats {
  tokenMints: number;
  describeClusterCalls: number;
  tokenInvalidations: number;
}

interface ClusterEndpoint {
  server: string;
  caData: string;
}

interface CachedToken {
  token: string;
  /** Epoch ms after which the token is not handed out again. */
  reuseUntil: number;
}

const USABLE_STATUSES = new Set(['ACTIVE', 'UPDATING']);

/**
 * Per-container cache of EKS endpoints, CAs and tokens. `getConnection` may throw GrayError
 * `eks_cluster_not_found` / `eks_access_denied`, ClusterUnavailableError, or ConfigError (bad region).
 */
export class EksClusterAccess {
  private readonly credentials: EksCredentialProvider;
  private readonly now: () => number;
  private readonly tokenLifetimeMs: number;
  private readonly credentialMarginMs: number;
  private readonly endpoints = new Map<string, Promise<ClusterEndpoint>>();
  private readonly tokens = new Map<string, Promise<CachedToken>>();
  private forceCredentialRefresh = false;
  private readonly counts: EksAccessStats = { tokenMints: 0, describeClusterCalls: 0, tokenInvalidations: 0 };

  /** Creates an empty cache; nothing is called until the first `getConnection`. */
  constructor(private readonly options: EksClusterAccessOptions = {}) {
    this.credentials = options.credentials ?? defaultProvider();
    this.now = options.now ?? Date.now;
    this.tokenLifetimeMs = options.tokenLifetimeMs ?? EKS_TOKEN_LIFETIME_MS;
    this.credentialMarginMs = options.credentialMarginMs ?? 5 * 60_000;
  }

  /** Snapshot of the counts so far (token mints, DescribeCluster calls, invalidations). */
  get stats(): EksAccessStats {
    return { ...this.counts };
  }

  /** Server, CA and a bearer token for `clusterName` in `region`, from the cache when still valid. */
  async getConnection(clusterName: string, region: string): Promise<EksConnection> {
    const key = `${region}/${clusterName}`;
    const [endpoint, token] = await Promise.all([
      this.endpointFor(key, clusterName, region),
      this.tokenFor(key, clusterName, region),
    ]);
    return { server: endpoint.server, caData: endpoint.caData, token };
  }

  /**
   * Forgets the cached token of `clusterName` (in `region`, or in every region), after the API server
   * answered 401; the next `getConnection` signs a new one with freshly resolved credentials.
   */
  invalidateToken(clusterName: string, region?: string): void {
    this.counts.tokenInvalidations += 1;
    for (const key of [...this.tokens.keys()]) {
      if (key === `${region}/${clusterName}` || (region === undefined && key.endsWith(`/${clusterName}`))) {
        this.tokens.delete(key);
      }
    }
    this.forceCredentialRefresh = true;
  }

  private async tokenFor(key: string, clusterName: string, region: string): Promise<string> {
    const current = this.tokens.get(key);
    if (current) {
      const cached = await current.catch(() => undefined);
      if (cached && this.now() < cached.reuseUntil) return cached.token;
      const latest = this.tokens.get(key);
      // Another caller renewed it while this one waited: use theirs rather than sign twice.
      if (latest && latest !== current) return (await latest).token;
    }
    const minted = this.mintToken(clusterName, region);
    this.tokens.set(key, minted);
    minted.catch(() => {
      if (this.tokens.get(key) === minted) this.tokens.delete(key);
    });
    return (await minted).token;
  }

  private async mintToken(clusterName: string, region: string): Promise<CachedToken> {
    const forceRefresh = this.forceCredentialRefresh;
    this.forceCredentialRefresh = false;
    const credentials = await this.credentials(forceRefresh ? { forceRefresh } : undefined);
    const signedAt = this.now();
    const { token } = await createEksToken({ clusterName, region, credentials, now: new Date(signedAt) });
    this.counts.tokenMints += 1;
    const credentialLimit = credentials.expiration
      ? credentials.expiration.getTime() - this.credentialMarginMs
      : Number.POSITIVE_INFINITY;
    return { token, reuseUntil: Math.min(signedAt + this.tokenLifetimeMs, credentialLimit) };
  }

  private endpointFor(key: string, clusterName: string, region: string): Promise<ClusterEndpoint> {
    const cached = this.endpoints.get(key);
    if (cached) return cached;
    const described = this.describeCluster(clusterName, region);
    this.endpoints.set(key, described);
    described.catch(() => {
      if (this.endpoints.get(key) === described) this.endpoints.delete(key);
    });
    return described;
  }

  private async describeCluster(clusterName: string, region: string): Promise<ClusterEndpoint> {
    this.counts.describeClusterCalls += 1;
    let cluster: EksClusterDescription | undefined;
    try {
      cluster = await describeEksCluster({
        clusterName,
        region,
        credentials: await this.credentials(),
        ...(this.options.eksEndpoint ? { endpoint: this.options.eksEndpoint } : {}),
      });
    } catch (error) {
      throw translateEksError(error, clusterName, region);
    }
    const where = `EKS cluster ${clusterName} (${region})`;
    if (!cluster?.status || !USABLE_STATUSES.has(cluster.status)) {
      throw new ClusterUnavailableError(
        `eks: ${where} is ${cluster?.status ?? 'in an unknown state'}; wait until it is ACTIVE`,
      );
    }
    if (!cluster.endpoint || !cluster.certificateAuthority?.data) {
      throw new ClusterUnavailableError(
        `eks: ${where} has no endpoint or certificate authority yet; try again shortly`,
      );
    }
    return { server: cluster.endpoint, caData: cluster.certificateAuthority.data };
  }
}

function translateEksError(error: unknown, clusterName: string, region: string): GrayError {
  if (error instanceof GrayError) return error;
  const name = (error as { name?: string }).name;
  const where = `EKS cluster ${clusterName} (${region})`;
  if (name === 'ResourceNotFoundException') {
    return new GrayError(
      'eks_cluster_not_found',
      `eks: ${where} not found; check cluster.eks.name and region in gray.config.yaml`,
      { cause: error },
    );
  }
  if (name === 'AccessDeniedException' || name === 'UnrecognizedClientException') {
    return new GrayError(
      'eks_access_denied',
      `eks: DescribeCluster on ${where} was denied; grant eks:DescribeCluster on it to gray's role`,
      { cause: error },
    );
  }
  return new ClusterUnavailableError(`eks: DescribeCluster on ${where} failed: ${(error as Error).message}`, {
    cause: error,
  });
}
