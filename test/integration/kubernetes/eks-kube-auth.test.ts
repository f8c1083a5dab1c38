import { ApiException, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EksClusterAccess } from '../../../functions/kubernetes/eks-cluster-access.js';
import {
  eksKubeConfigSource,
  kubeConfigFromConnection,
} from '../../../functions/kubernetes/eks-kubeconfig.js';
import { withTokenRenewal } from '../../../functions/kubernetes/eks-retry.js';
import { createEksToken, type EksCredentials } from '../../../functions/kubernetes/eks-token.js';
import { KubernetesCluster } from '../../../functions/kubernetes/kubernetes-cluster.js';
import { type EksApiServer, startEksApiServer } from '../../support/eks-api-server.js';
import { checkEksToken } from '../../support/eks-token-verifier.js';
import { type KubeApiServer, startKubeApiServer } from '../../support/kube-api-server/index.js';

const REGION = 'eu-west-1';
const STS_HOST = 'sts.eu-west-1.amazonaws.com';
const CREDENTIALS: EksCredentials = {
  accessKeyId: 'ASIAEXAMPLE000000001',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+session',
};
const MINUTE = 60_000;

const listServiceNames = async (kubeConfig: KubeConfig): Promise<string[]> => {
  const list = await kubeConfig.makeApiClient(CoreV1Api).listNamespacedService({ namespace: 'happyride' });
  return list.items.map((service) => service.metadata?.name ?? '');
};

describe('EKS token authentication against our Kubernetes API server', () => {
  let kube: KubeApiServer;
  let eks: EksApiServer;
  let now: number;
  let access: EksClusterAccess;
  /** Accepts only a well-formed EKS token for cluster prod, signed with CREDENTIALS, not older than 15 minutes. */
  const acceptsEksTokenForProd = (token: string) =>
    checkEksToken(token, {
      clusterName: 'prod',
      stsHost: STS_HOST,
      secretAccessKey: CREDENTIALS.secretAccessKey,
      now,
    }) === undefined;

  beforeAll(async () => {
    kube = await startKubeApiServer({ authenticate: acceptsEksTokenForProd });
    eks = await startEksApiServer([{ name: 'prod', endpoint: kube.url, caData: kube.caData }]);
    kube.putObject('services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'address-service', namespace: 'happyride' },
      spec: {
        selector: { 'app.kubernetes.io/name': 'address-service' },
        ports: [{ name: 'http', port: 8080 }],
      },
    });
  });
  afterAll(async () => {
    await kube.close();
    await eks.close();
  });
  beforeEach(() => {
    now = Date.now();
    access = new EksClusterAccess({
      credentials: async () => CREDENTIALS,
      eksEndpoint: eks.endpoint,
      now: () => now,
    });
    kube.setAuthenticator(acceptsEksTokenForProd);
    kube.clearLog();
  });

  it('lists services with a KubeConfig built from the EKS connection', async () => {
    const names = await withTokenRenewal(access, 'prod', REGION, listServiceNames);

    expect(names).toEqual(['address-service']);
    expect(kube.authLog.map((entry) => entry.accepted)).toEqual([true]);
    expect(kube.authLog[0]?.token).toBe((await access.getConnection('prod', REGION)).token);
    expect(access.stats).toEqual({ tokenMints: 1, describeClusterCalls: 1, tokenInvalidations: 0 });
  });

  it('is refused (401) with a token signed for another cluster', async () => {
    const { token } = await createEksToken({
      clusterName: 'staging',
      region: REGION,
      credentials: CREDENTIALS,
      now: new Date(now),
    });
    const connection = { ...(await access.getConnection('prod', REGION)), token };

    const error = await listServiceNames(kubeConfigFromConnection(connection)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiException);
    expect((error as ApiException<unknown>).code).toBe(401);
    expect(kube.unauthorizedCount()).toBe(1);
  });

  it('renews the token exactly once after one 401, then succeeds', async () => {
    const stale = (await access.getConnection('prod', REGION)).token;
    // The server now revokes the cached token (as if its credentials had been rotated).
    kube.setAuthenticator((token) => token !== stale && acceptsEksTokenForProd(token));
    now += 1_000;

    const names = await withTokenRenewal(access, 'prod', REGION, listServiceNames);

    expect(names).toEqual(['address-service']);
    expect(kube.unauthorizedCount()).toBe(1);
    expect(kube.authLog.map((entry) => entry.accepted)).toEqual([false, true]);
    expect(access.stats).toEqual({ tokenMints: 2, describeClusterCalls: 1, tokenInvalidations: 1 });
  });

  it('gives up with the 401 after one renewal when the server keeps refusing', async () => {
    kube.setAuthenticator(() => false);

    const error = await withTokenRenewal(access, 'prod', REGION, listServiceNames).catch((e: unknown) => e);

    expect((error as ApiException<unknown>).code).toBe(401);
    expect(kube.unauthorizedCount()).toBe(2);
    expect(access.stats).toEqual({ tokenMints: 2, describeClusterCalls: 1, tokenInvalidations: 1 });
  });

  it('signs a new token at +14 minutes, before the server would refuse the old one at +15', async () => {
    const first = (await access.getConnection('prod', REGION)).token;
    now += 14 * MINUTE;

    const names = await withTokenRenewal(access, 'prod', REGION, listServiceNames);
    now += 1 * MINUTE + 1;

    expect(names).toEqual(['address-service']);
    expect(kube.authLog.map((entry) => entry.token === first)).toEqual([false]);
    expect(acceptsEksTokenForProd(first)).toBe(false);
    expect(access.stats).toEqual({ tokenMints: 2, describeClusterCalls: 1, tokenInvalidations: 0 });
  });

  it('serves the KubernetesCluster adapter through eksKubeConfigSource, renewing once on a 401', async () => {
    const cluster = new KubernetesCluster(eksKubeConfigSource(access, 'prod', REGION, 'happyride'));
    const ref = { kind: 'Service', namespace: 'happyride', name: 'address-service' } as const;
    expect((await cluster.read(ref))?.metadata.name).toBe('address-service');
    const stale = (await access.getConnection('prod', REGION)).token;
    kube.setAuthenticator((token) => token !== stale && acceptsEksTokenForProd(token));
    now += 1_000;

    const service = await cluster.read(ref);

    expect(service?.metadata.name).toBe('address-service');
    expect(kube.authLog.map((entry) => entry.accepted)).toEqual([true, false, true]);
    expect(access.stats).toEqual({ tokenMints: 2, describeClusterCalls: 1, tokenInvalidations: 1 });
  });
});
