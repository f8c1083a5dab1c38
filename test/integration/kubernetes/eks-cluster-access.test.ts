import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EksClusterAccess } from '../../../functions/kubernetes/eks-cluster-access.js';
import type { EksCredentials } from '../../../functions/kubernetes/eks-token.js';
import { ClusterUnavailableError, GrayError } from '../../../functions/release/errors.js';
import { type EksApiServer, startEksApiServer } from '../../support/eks-api-server.js';
import { checkEksToken, decodeEksToken } from '../../support/eks-token-verifier.js';

const MINUTE = 60_000;
const T0 = Date.parse('2025-03-04T05:06:07.000Z');
const REGION = 'eu-west-1';
const STS_HOST = 'sts.eu-west-1.amazonaws.com';
const CA_DATA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString(
  'base64',
);
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';

/** A credential provider that records its calls' options; `expiresIn` (ms from the clock) makes the credentials temporary. */
function credentialSource(clock: () => number, expiresIn?: number) {
  const calls: ({ forceRefresh?: boolean } | undefined)[] = [];
  const provider = async (options?: { forceRefresh?: boolean }): Promise<EksCredentials> => {
    calls.push(options);
    return {
      accessKeyId: `ASIAEXAMPLE${String(calls.length).padStart(9, '0')}`,
      secretAccessKey: SECRET,
      sessionToken: `session-${calls.length}`,
      ...(expiresIn === undefined ? {} : { expiration: new Date(clock() + expiresIn) }),
    };
  };
  return { provider, calls };
}

describe('EksClusterAccess', () => {
  let eks: EksApiServer;

  beforeAll(async () => {
    eks = await startEksApiServer([
      { name: 'prod', endpoint: 'https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com', caData: CA_DATA },
      { name: 'creating', endpoint: '', caData: '', status: 'CREATING' },
    ]);
  });
  afterAll(() => eks.close());

  function setup(expiresIn?: number) {
    let now = T0;
    const clock = () => now;
    const credentials = credentialSource(clock, expiresIn);
    const access = new EksClusterAccess({
      credentials: credentials.provider,
      eksEndpoint: eks.endpoint,
      now: clock,
    });
    return {
      access,
      credentials,
      advance: (ms: number) => {
        now += ms;
      },
    };
  }

  it('describes the cluster once and returns its endpoint, CA and a token for it', async () => {
    const { access } = setup();
    const before = eks.requests.length;

    const connection = await access.getConnection('prod', REGION);

    expect(connection.server).toBe('https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com');
    expect(connection.caData).toBe(CA_DATA);
    expect(
      checkEksToken(connection.token, {
        clusterName: 'prod',
        stsHost: STS_HOST,
        secretAccessKey: SECRET,
        now: T0,
      }),
    ).toBeUndefined();
    // Signed with the real clock (the injected one only times tokens): only the scope's shape is fixed.
    expect(eks.requests.slice(before)).toEqual([
      {
        clusterName: 'prod',
        credentialScope: expect.stringMatching(/^ASIAEXAMPLE\d{9}\/\d{8}\/eu-west-1\/eks\/aws4_request$/),
      },
    ]);
    expect(access.stats).toEqual({ tokenMints: 1, describeClusterCalls: 1, tokenInvalidations: 0 });
  });

  it('makes no EKS call and signs no token for a warm second connection', async () => {
    const { access } = setup();
    const first = await access.getConnection('prod', REGION);
    const before = eks.requests.length;

    const second = await access.getConnection('prod', REGION);

    expect(second).toEqual(first);
    expect(eks.requests.length).toBe(before);
    expect(access.stats).toEqual({ tokenMints: 1, describeClusterCalls: 1, tokenInvalidations: 0 });
  });

  it('coalesces concurrent cold connections into one DescribeCluster and one token', async () => {
    const { access } = setup();

    const connections = await Promise.all([1, 2, 3].map(() => access.getConnection('prod', REGION)));

    expect(new Set(connections.map((c) => c.token)).size).toBe(1);
    expect(access.stats).toEqual({ tokenMints: 1, describeClusterCalls: 1, tokenInvalidations: 0 });
  });

  it('reuses the token at +13 minutes and signs a new one at +14 minutes', async () => {
    const { access, advance } = setup();
    const first = await access.getConnection('prod', REGION);

    advance(13 * MINUTE);
    const at13 = await access.getConnection('prod', REGION);
    advance(1 * MINUTE);
    const at14 = await access.getConnection('prod', REGION);

    expect(at13.token).toBe(first.token);
    expect(at14.token).not.toBe(first.token);
    expect(decodeEksToken(at14.token).searchParams.get('X-Amz-Date')).toBe('20250304T052007Z');
    expect(access.stats).toEqual({ tokenMints: 2, describeClusterCalls: 1, tokenInvalidations: 0 });
  });

  it('renews 5 minutes before the credentials expire (credentials valid for 10 minutes → new token at +5)', async () => {
    const { access, advance } = setup(10 * MINUTE);
    const first = await access.getConnection('prod', REGION);

    advance(5 * MINUTE - 1);
    const justBefore = await access.getConnection('prod', REGION);
    advance(1);
    const atFive = await access.getConnection('prod', REGION);

    expect(justBefore.token).toBe(first.token);
    expect(atFive.token).not.toBe(first.token);
    expect(access.stats).toEqual({ tokenMints: 2, describeClusterCalls: 1, tokenInvalidations: 0 });
  });

  it('signs a new token with force-refreshed credentials after invalidateToken, keeping the endpoint', async () => {
    const { access, credentials } = setup();
    const first = await access.getConnection('prod', REGION);

    access.invalidateToken('prod');
    const renewed = await access.getConnection('prod', REGION);
    const warm = await access.getConnection('prod', REGION);

    expect(renewed.token).not.toBe(first.token);
    expect(warm.token).toBe(renewed.token);
    // The SDK's own calls (for DescribeCluster) carry its config; only the renewal forces a refresh.
    expect(credentials.calls.filter((call) => call?.forceRefresh)).toHaveLength(1);
    expect(credentials.calls.at(-1)).toEqual({ forceRefresh: true });
    expect(access.stats).toEqual({ tokenMints: 2, describeClusterCalls: 1, tokenInvalidations: 1 });
  });

  it('throws eks_cluster_not_found for an unknown cluster and does not cache the failure', async () => {
    const { access } = setup();

    const error = await access.getConnection('missing', REGION).catch((e: unknown) => e);
    await access.getConnection('missing', REGION).catch(() => undefined);

    expect(error).toBeInstanceOf(GrayError);
    expect((error as GrayError).code).toBe('eks_cluster_not_found');
    expect((error as GrayError).message).toBe(
      'eks: EKS cluster missing (eu-west-1) not found; check cluster.eks.name and region in gray.config.yaml',
    );
    expect(access.stats.describeClusterCalls).toBe(2);
  });

  it('refuses a cluster that is still being created', async () => {
    const { access } = setup();

    const error = await access.getConnection('creating', REGION).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ClusterUnavailableError);
    expect((error as Error).message).toBe(
      'eks: EKS cluster creating (eu-west-1) is CREATING; wait until it is ACTIVE',
    );
  });
});
