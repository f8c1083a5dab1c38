// The KubernetesCluster adapter's Service calls (read, create, delete) over HTTPS against our Kubernetes
// API server: raw JSON both ways, 404 → undefined, conflicts and refusals as GrayErrors, the same
// transient-fault retries and the one credential renewal after a 401 as every other kind.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { kubeConfigFileSource } from '../../../functions/kubernetes/kubeconfig-source.js';
import {
  type KubeConfigSource,
  KubernetesCluster,
} from '../../../functions/kubernetes/kubernetes-cluster.js';
import { GrayError, ReleaseConflictError } from '../../../functions/release/errors.js';
import { type KubeApiServer, startKubeApiServer } from '../../support/kube-api-server/index.js';

const REF = { kind: 'Service', namespace: 'happyride', name: 'address-service' } as const;
// Typed by inference, so both the adapter's and the test server's object types accept it.
const SERVICE = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name: 'address-service',
    namespace: 'happyride',
    labels: { 'app.kubernetes.io/name': 'address-service', 'app.kubernetes.io/managed-by': 'gray' },
  },
  spec: {
    selector: { 'app.kubernetes.io/name': 'address-service' },
    ports: [{ name: 'http', port: 8080, targetPort: 8080, protocol: 'TCP' }],
  },
};

describe('KubernetesCluster on Services', () => {
  let kube: KubeApiServer;
  let source: KubeConfigSource;
  let slept: number[];
  let cluster: KubernetesCluster;

  beforeAll(async () => {
    kube = await startKubeApiServer();
    source = kubeConfigFileSource({ yaml: kube.kubeConfigYaml() });
  });
  afterAll(async () => {
    await kube.close();
  });
  beforeEach(() => {
    kube.deleteObject('services', 'happyride', 'address-service');
    kube.clearFaults();
    kube.setAuthenticator((token) => token === kube.token);
    kube.clearLog();
    slept = [];
    cluster = new KubernetesCluster(source, {
      minBackoffMs: 1,
      sleep: async (ms) => {
        slept.push(ms);
      },
    });
  });

  it('reads a Service as the raw JSON the API server stored', async () => {
    const stored = kube.putObject('services', SERVICE);

    const read = await cluster.read(REF);

    expect(read).toEqual(stored);
    expect(kube.counters()).toEqual({ 'get services': 1 });
  });

  it('reads a missing Service as undefined', async () => {
    expect(await cluster.read(REF)).toBeUndefined();
    expect(kube.countRequests({ verb: 'get', resource: 'services', status: 404 })).toBe(1);
  });

  it('creates a Service and returns what the API server stored', async () => {
    const created = await cluster.create(SERVICE);

    expect(created).toEqual(kube.getObject('services', 'happyride', 'address-service'));
    expect(created.metadata.labels).toEqual(SERVICE.metadata.labels);
    expect(kube.counters()).toEqual({ 'create services': 1 });
  });

  it('refuses to create a Service someone else created, naming it', async () => {
    kube.putObject('services', { ...SERVICE, metadata: { ...SERVICE.metadata, labels: {} } });

    const error = await cluster.create(SERVICE).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ReleaseConflictError);
    expect((error as Error).message).toBe(
      'create Service happyride/address-service: it already exists (someone else created it); retry',
    );
  });

  it("passes on the API server's causes when it refuses a Service (422)", async () => {
    const invalid = { ...SERVICE, metadata: { ...SERVICE.metadata, name: '1address' } };

    const error = await cluster.create(invalid).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GrayError);
    expect((error as GrayError).code).toBe('invalid_object');
    expect((error as Error).message).toMatch(
      /^create Service happyride\/1address: the cluster refused the change \(422\): metadata\.name Invalid value: "1address": a DNS-1035 label/,
    );
  });

  it('deletes a Service, and a missing one is fine', async () => {
    kube.putObject('services', SERVICE);

    await cluster.remove(REF);
    await cluster.remove(REF);

    expect(kube.getObject('services', 'happyride', 'address-service')).toBeUndefined();
    expect(kube.countRequests({ verb: 'delete', resource: 'services', status: 404 })).toBe(1);
  });

  it('retries a Service read through 500s and a 429, honouring Retry-After', async () => {
    kube.putObject('services', SERVICE);
    kube.injectFault({ method: 'GET', pathIncludes: '/services/', times: 2, fault: { status: 500 } });
    kube.injectFault({
      method: 'GET',
      pathIncludes: '/services/',
      times: 1,
      fault: { status: 429, retryAfterSeconds: 3 },
    });

    const read = await cluster.read(REF);

    expect(read?.metadata.name).toBe('address-service');
    expect(kube.countRequests({ method: 'GET' })).toBe(4);
    expect(slept).toEqual([3000]);
  });

  it('renews the credentials once after a 401, then reads', async () => {
    kube.putObject('services', SERVICE);
    let renewals = 0;
    let token = 'stale';
    const renewing: KubeConfigSource = {
      load: () => kubeConfigFileSource({ yaml: kube.kubeConfigYaml().replace(kube.token, token) }).load(),
      renew: async () => {
        renewals++;
        token = kube.token;
      },
    };

    const read = await new KubernetesCluster(renewing).read(REF);

    expect(read?.metadata.name).toBe('address-service');
    expect(renewals).toBe(1);
    expect(kube.authLog.map((entry) => entry.accepted)).toEqual([false, true]);
  });

  it('says which credentials to check when the cluster keeps refusing them (401)', async () => {
    kube.setAuthenticator(() => false);

    const error = await cluster.read(REF).catch((e: unknown) => e);

    expect((error as GrayError).code).toBe('unauthorized');
    expect((error as Error).message).toBe(
      "read Service happyride/address-service: the cluster rejected gray's credentials (401); check the kubeconfig or the EKS access entry",
    );
  });
});
