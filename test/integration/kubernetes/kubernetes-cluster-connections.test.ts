// The adapter's connections to the API server: client-node 2.0 opens a new TLS connection for every
// request; gray's API configuration (functions/kubernetes/api-configuration.ts) shares one pool per
// kubeconfig, so a warm adapter's requests reuse a kept-alive connection.
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { kubeConfigFileSource } from '../../../functions/kubernetes/kubeconfig-source.js';
import { KubernetesCluster } from '../../../functions/kubernetes/kubernetes-cluster.js';
import { type KubeApiServer, startKubeApiServer } from '../../support/kube-api-server/index.js';
import { seedHappyride } from '../../support/kube-api-server/seed.js';

const VS = { kind: 'VirtualService', namespace: 'happyride', name: 'address-service-deployment' } as const;

describe('KubernetesCluster connections', () => {
  let kube: KubeApiServer;

  beforeAll(async () => {
    kube = await startKubeApiServer();
    seedHappyride(kube);
  });
  afterAll(async () => {
    await kube.close();
  });
  beforeEach(() => kube.clearLog());

  it('makes 6 sequential requests of a warm adapter without opening a TLS connection', async () => {
    const cluster = new KubernetesCluster(kubeConfigFileSource({ yaml: kube.kubeConfigYaml() }));
    await cluster.read(VS);
    await cluster.list('Deployment', 'happyride', 'app.kubernetes.io/name=address-service');
    kube.clearLog();

    for (let i = 0; i < 3; i++) {
      await cluster.read(VS);
      await cluster.list('Deployment', 'happyride', 'app.kubernetes.io/name=address-service');
    }

    expect({ requests: kube.requests.length, connections: kube.tlsConnections() }).toEqual({
      requests: 6,
      connections: 0,
    });
  });

  it('gives up on an answer that does not come within the request timeout and retries', async () => {
    const cluster = new KubernetesCluster(kubeConfigFileSource({ yaml: kube.kubeConfigYaml() }), {
      requestTimeoutMs: 300,
      minBackoffMs: 1,
    });
    kube.injectFault({ method: 'GET', pathIncludes: VS.name, times: 1, fault: { delayMs: 5000 } });

    const vs = await cluster.read(VS);

    // Two requests: the first was abandoned after 300 ms (it would have answered 200 after 5 s).
    expect({ name: vs?.metadata.name, requests: kube.requests.length }).toEqual({
      name: VS.name,
      requests: 2,
    });
  });

  it('is needed: client-node as makeApiClient builds it opens one connection per request', async () => {
    const config = new KubeConfig();
    config.loadFromString(kube.kubeConfigYaml());
    const custom = config.makeApiClient(CustomObjectsApi);

    for (let i = 0; i < 3; i++) {
      await custom.getNamespacedCustomObject({
        group: 'networking.istio.io',
        version: 'v1beta1',
        namespace: 'happyride',
        plural: 'virtualservices',
        name: VS.name,
      });
    }

    expect(kube.tlsConnections()).toBe(3);
  });
});
