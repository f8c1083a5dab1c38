// PATCH on the test Kubernetes API server through the real client-node: JSON Patch (with a guarding test op),
// merge patch, strategic merge (built-ins only: 415 on Istio objects) and simplified server-side apply.
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectApiFailure,
  type KubeClients,
  makeKubeClients,
  waitUntil,
} from '../../support/kube-api-server/client-helpers.js';
import {
  type KubeApiServer,
  type KubeObject,
  startKubeApiServer,
} from '../../support/kube-api-server/index.js';
import { loadHappyrideFixture, seedHappyride } from '../../support/kube-api-server/seed.js';

const ns = 'happyride';
let server: KubeApiServer;
let k: KubeClients;

beforeAll(async () => {
  server = await startKubeApiServer();
  seedHappyride(server);
  k = makeKubeClients(server);
});
afterAll(() => server.close());

interface RouteDestination {
  destination: { host: string; subset: string };
  weight: number;
}
type VirtualService = KubeObject & {
  spec: { hosts: string[]; http: Array<{ name: string; route: RouteDestination[] }> };
};

const vsArgs = (name: string) => ({
  group: 'networking.istio.io',
  version: 'v1beta1',
  namespace: ns,
  plural: 'virtualservices',
  name,
});

/** Stores a copy of the seed VirtualService under `name` and returns it as served. */
async function createVirtualService(name: string): Promise<VirtualService> {
  const body = loadHappyrideFixture('virtualservice.yaml');
  body.metadata = { name, namespace: ns };
  const { name: _name, ...args } = vsArgs(name);
  return (await k.custom.createNamespacedCustomObject({ ...args, body })) as VirtualService;
}

const weights = (vs: VirtualService) => vs.spec.http[0]?.route.map((r) => [r.destination.subset, r.weight]);

describe('kube-api-server JSON Patch', () => {
  it('is what CustomObjectsApi sends by default, and applies a guarded weight shift', async () => {
    const created = await createVirtualService('json-ok');
    const body = [
      { op: 'test', path: '/spec/http/0/route/0/weight', value: 100 },
      { op: 'replace', path: '/spec/http/0/route/0/weight', value: 75 },
      { op: 'replace', path: '/spec/http/0/route/1/weight', value: 25 },
    ];
    const patched = (await k.custom.patchNamespacedCustomObject({
      ...vsArgs('json-ok'),
      body,
    })) as VirtualService;
    expect(weights(patched)).toEqual([
      ['blue', 75],
      ['green', 25],
    ]);
    expect(patched.metadata.generation).toBe(2);
    expect(Number(patched.metadata.resourceVersion)).toBeGreaterThan(
      Number(created.metadata.resourceVersion),
    );
    expect(server.requests.at(-1)).toMatchObject({
      method: 'PATCH',
      path: '/apis/networking.istio.io/v1beta1/namespaces/happyride/virtualservices/json-ok',
      contentType: 'application/json-patch+json',
      body,
      status: 200,
      verb: 'patch',
      resource: 'virtualservices',
    });
  });

  it('answers 422 Invalid when a test op fails, and leaves the object unchanged', async () => {
    const created = await createVirtualService('json-test-fails');
    const body = [
      { op: 'test', path: '/spec/http/0/route/0/weight', value: 90 },
      { op: 'replace', path: '/spec/http/0/route/0/weight', value: 0 },
    ];
    const failure = await expectApiFailure(
      k.custom.patchNamespacedCustomObject({ ...vsArgs('json-test-fails'), body }),
    );
    expect(failure.code).toBe(422);
    expect(failure.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the server rejected our request due to an error in our request',
      reason: 'Invalid',
      details: {
        causes: [
          {
            reason: 'UnexpectedServerResponse',
            message: 'testing value /spec/http/0/route/0/weight failed: test failed',
          },
        ],
      },
      code: 422,
    });
    const stored = server.getObject('virtualservices', ns, 'json-test-fails') as VirtualService;
    expect(stored.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    expect(weights(stored)).toEqual([
      ['blue', 100],
      ['green', 0],
    ]);
  });

  it('answers 422 when replacing a path that does not exist', async () => {
    await createVirtualService('json-missing');
    const body = [{ op: 'replace', path: '/spec/http/3/route/0/weight', value: 1 }];
    const failure = await expectApiFailure(
      k.custom.patchNamespacedCustomObject({ ...vsArgs('json-missing'), body }),
    );
    expect(failure.code).toBe(422);
    expect(failure.body?.details).toEqual({
      causes: [
        {
          reason: 'UnexpectedServerResponse',
          message:
            'replace operation does not apply: doc is missing key: /spec/http/3/route/0/weight: missing value',
        },
      ],
    });
  });
});

describe('kube-api-server merge patch', () => {
  const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

  it('replaces arrays whole and deletes fields set to null', async () => {
    await createVirtualService('merge');
    const { name: _n, ...args } = vsArgs('merge');
    await k.custom.patchNamespacedCustomObject(
      { ...args, name: 'merge', body: { metadata: { labels: { a: '1', b: '2' } } } },
      merge,
    );
    const body = {
      metadata: { labels: { a: null } },
      spec: {
        http: [{ name: 'only', route: [{ destination: { host: 'h', subset: 'green' }, weight: 100 }] }],
      },
    };
    const patched = (await k.custom.patchNamespacedCustomObject(
      { ...vsArgs('merge'), body },
      merge,
    )) as VirtualService;
    expect(patched.metadata.labels).toEqual({ b: '2' });
    expect(patched.spec.http).toEqual([
      { name: 'only', route: [{ destination: { host: 'h', subset: 'green' }, weight: 100 }] },
    ]);
    expect(patched.spec.hosts).toEqual(['address-service.happyride.svc.cluster.local']);
    expect(server.requests.at(-1)?.contentType).toBe('application/merge-patch+json');
  });

  it('answers 409 Conflict when the patch carries a stale resourceVersion', async () => {
    const created = await createVirtualService('merge-stale');
    await k.custom.patchNamespacedCustomObject(
      { ...vsArgs('merge-stale'), body: { metadata: { labels: { x: 'y' } } } },
      merge,
    );
    const body = {
      metadata: { resourceVersion: created.metadata.resourceVersion },
      spec: { hosts: ['other'] },
    };
    const failure = await expectApiFailure(
      k.custom.patchNamespacedCustomObject({ ...vsArgs('merge-stale'), body }, merge),
    );
    expect(failure.code).toBe(409);
    expect(failure.body?.message).toBe(
      'Operation cannot be fulfilled on virtualservices.networking.istio.io "merge-stale": the object has been modified; please apply your changes to the latest version and try again',
    );
  });
});

describe('kube-api-server strategic merge patch', () => {
  const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
  const message =
    'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml';

  it('answers 415 UnsupportedMediaType on a VirtualService, as for any CRD', async () => {
    const body = { spec: { hosts: ['x'] } };
    const failure = await expectApiFailure(
      k.custom.patchNamespacedCustomObject({ ...vsArgs('address-service-deployment'), body }, strategic),
    );
    expect(failure.code).toBe(415);
    expect(failure.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason: 'UnsupportedMediaType',
      code: 415,
    });
  });

  it("is KubernetesObjectApi.patch's default, so that default fails on Istio objects too", async () => {
    const spec = {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: { name: 'address-service-deployment', namespace: ns },
    };
    const failure = await expectApiFailure(k.objects.patch(spec));
    expect(failure.code).toBe(415);
    const viaMerge = await k.objects.patch(
      { ...spec, metadata: { ...spec.metadata, labels: { via: 'merge' } } },
      undefined,
      undefined,
      undefined,
      undefined,
      PatchStrategy.MergePatch,
    );
    expect(viaMerge.metadata?.labels).toEqual({ via: 'merge' });
  });

  it('merges a Deployment container by name and keeps its other fields', async () => {
    const body = {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'address-service',
                image: 'happyride/happyride-address-service:1.0.1-0a1b2c3',
                env: [{ name: 'A', value: '1' }],
              },
            ],
          },
        },
      },
    };
    const patched = await k.apps.patchNamespacedDeployment(
      { name: 'address-service-blue', namespace: ns, body },
      strategic,
    );
    const container = patched.spec?.template.spec?.containers[0];
    expect(patched.spec?.template.spec?.containers).toHaveLength(1);
    expect(container?.image).toBe('happyride/happyride-address-service:1.0.1-0a1b2c3');
    expect(container?.env).toEqual([{ name: 'A', value: '1' }]);
    expect(container?.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(patched.metadata?.generation).toBe(2);
  });

  it('merges Service ports by port number', async () => {
    const body = { spec: { ports: [{ port: 9090, name: 'metrics' }] } };
    const patched = await k.core.patchNamespacedService(
      { name: 'address-service', namespace: ns, body },
      strategic,
    );
    expect(patched.spec?.ports).toEqual([
      { name: 'http', port: 8080, targetPort: 8080, protocol: 'TCP' },
      { name: 'metrics', port: 9090, targetPort: 9090, protocol: 'TCP' },
    ]);
  });
});

describe('kube-api-server server-side apply (simplified)', () => {
  const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
  const drArgs = {
    group: 'networking.istio.io',
    version: 'v1',
    namespace: ns,
    plural: 'destinationrules',
    name: 'applied',
  };
  const body = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: 'applied' },
    spec: { host: 'a' },
  };

  it('requires a fieldManager', async () => {
    const failure = await expectApiFailure(k.custom.patchNamespacedCustomObject({ ...drArgs, body }, apply));
    expect(failure.body).toMatchObject({
      code: 422,
      reason: 'Invalid',
      message:
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    });
  });

  it('creates when missing and merges into the existing object afterwards', async () => {
    const created = (await k.custom.patchNamespacedCustomObject(
      { ...drArgs, body, fieldManager: 'gray' },
      apply,
    )) as KubeObject;
    expect(created.spec).toEqual({ host: 'a' });
    expect(server.requests.at(-1)?.status).toBe(201);
    const again = { ...body, spec: { host: 'b', subsets: [{ name: 'blue', labels: { slot: 'blue' } }] } };
    const updated = (await k.custom.patchNamespacedCustomObject(
      { ...drArgs, body: again, fieldManager: 'gray' },
      apply,
    )) as KubeObject;
    expect(updated.spec).toEqual({ host: 'b', subsets: [{ name: 'blue', labels: { slot: 'blue' } }] });
    expect(updated.metadata.generation).toBe(2);
  });
});

describe('kube-api-server status subresource', () => {
  it('writes status only through /status and never bumps generation', async () => {
    const current = await waitUntil(
      () => k.apps.readNamespacedDeploymentStatus({ name: 'address-service-blue', namespace: ns }),
      (d) =>
        d.status?.observedGeneration === d.metadata?.generation &&
        d.status?.conditions?.find((c) => c.type === 'Progressing')?.reason === 'NewReplicaSetAvailable',
    );
    const body = [{ op: 'replace', path: '/status/readyReplicas', value: 1 }];
    const patched = await k.apps.patchNamespacedDeploymentStatus({
      name: 'address-service-blue',
      namespace: ns,
      body,
    });
    expect(patched.status?.readyReplicas).toBe(1);
    expect(patched.metadata?.generation).toBe(current.metadata?.generation);
  });
});
