// The test Kubernetes API server, driven through the real @kubernetes/client-node over HTTPS:
// authentication, reads, lists with label selectors, create / replace / delete semantics, validation.
import { request } from 'node:https';
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectApiFailure,
  type KubeClients,
  makeKubeClients,
  waitUntil,
} from '../../support/kube-api-server/client-helpers.js';
import { type KubeApiServer, startKubeApiServer } from '../../support/kube-api-server/index.js';
import { seedHappyride } from '../../support/kube-api-server/seed.js';

const ns = 'happyride';
let server: KubeApiServer;
let k: KubeClients;

beforeAll(async () => {
  server = await startKubeApiServer();
  seedHappyride(server);
  k = makeKubeClients(server);
});
afterAll(() => server.close());

/** A green-slot Deployment like the blue seed, for create tests. */
function greenDeployment(name: string): V1Deployment {
  const labels = { 'app.kubernetes.io/name': 'address-service', 'app.vividcode.io/deployment-type': 'green' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { ...labels, 'app.kubernetes.io/instance': name } },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            { name: 'address-service', image: 'happyride/happyride-address-service:1.0.1-abc1234' },
          ],
        },
      },
    },
  };
}

function rawGet(path: string, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const ca = Buffer.from(server.caData, 'base64').toString();
    const req = request(`${server.url}${path}`, { ca, headers }, (res) => {
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('kube-api-server authentication', () => {
  const unauthorized = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'Unauthorized',
    reason: 'Unauthorized',
    code: 401,
  };

  it('answers 401 Unauthorized Status without a token', async () => {
    const res = await rawGet('/apis/apps/v1/namespaces/happyride/deployments', {});
    expect(res).toEqual({ status: 401, body: unauthorized });
  });

  it('answers 401 to client-node with a wrong token and counts it', async () => {
    const before = server.unauthorizedCount();
    const wrong = makeKubeClients(server, { token: 'not-the-token' });
    const failure = await expectApiFailure(
      wrong.apps.readNamespacedDeployment({ name: 'address-service-blue', namespace: ns }),
    );
    expect(failure.code).toBe(401);
    const raw = await rawGet('/api/v1/namespaces/happyride/services', {
      Authorization: 'Bearer not-the-token',
    });
    expect(raw.body).toEqual(unauthorized);
    expect(server.unauthorizedCount() - before).toBe(2);
    expect(server.authLog.at(-1)).toEqual({
      path: '/api/v1/namespaces/happyride/services',
      token: 'not-the-token',
      accepted: false,
    });
  });

  it('uses a swapped authenticator for the following requests', async () => {
    server.setAuthenticator((token) => token.startsWith('k8s-aws-v1.'));
    try {
      const eks = makeKubeClients(server, { token: 'k8s-aws-v1.abc' });
      const svc = await eks.core.readNamespacedService({ name: 'address-service', namespace: ns });
      expect(svc.metadata?.name).toBe('address-service');
      expect(
        (await expectApiFailure(k.core.readNamespacedService({ name: 'address-service', namespace: ns })))
          .code,
      ).toBe(401);
    } finally {
      server.setAuthenticator((token) => token === server.token);
    }
  });
});

describe('kube-api-server reads', () => {
  it('serves the seeded Deployment with its available status', async () => {
    const d = await k.apps.readNamespacedDeployment({ name: 'address-service-blue', namespace: ns });
    expect(d.metadata?.generation).toBe(1);
    expect(d.spec?.template.spec?.containers[0]?.image).toBe(
      'happyride/happyride-address-service:1.0.0-fe220c2',
    );
    expect(d.status?.availableReplicas).toBe(2);
    expect(d.status?.observedGeneration).toBe(1);
    expect(d.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves the seeded Service with server defaults filled in', async () => {
    const svc = await k.core.readNamespacedService({ name: 'address-service', namespace: ns });
    expect(svc.spec?.selector).toEqual({ 'app.kubernetes.io/name': 'address-service' });
    expect(svc.spec?.ports).toEqual([{ name: 'http', port: 8080, targetPort: 8080, protocol: 'TCP' }]);
    expect(svc.spec?.type).toBe('ClusterIP');
    expect(svc.spec?.clusterIP).toMatch(/^10\.96\.\d+\.\d+$/);
  });

  it('answers NotFound with the real wording and details', async () => {
    const failure = await expectApiFailure(
      k.apps.readNamespacedDeployment({ name: 'address-service-green', namespace: ns }),
    );
    expect(failure.code).toBe(404);
    expect(failure.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'deployments.apps "address-service-green" not found',
      reason: 'NotFound',
      details: { name: 'address-service-green', group: 'apps', kind: 'deployments' },
      code: 404,
    });
  });

  it('serves Istio objects at v1 and v1beta1 from one storage, apiVersion following the path', async () => {
    const args = {
      group: 'networking.istio.io',
      namespace: ns,
      plural: 'virtualservices',
      name: 'address-service-deployment',
    };
    const v1 = (await k.custom.getNamespacedCustomObject({ ...args, version: 'v1' })) as Record<
      string,
      unknown
    >;
    const v1beta1 = (await k.custom.getNamespacedCustomObject({ ...args, version: 'v1beta1' })) as Record<
      string,
      unknown
    >;
    expect(v1.apiVersion).toBe('networking.istio.io/v1');
    expect(v1beta1.apiVersion).toBe('networking.istio.io/v1beta1');
    expect(v1.spec).toEqual(v1beta1.spec);
    expect(v1.spec).toEqual({
      hosts: ['address-service.happyride.svc.cluster.local'],
      http: [
        {
          name: 'address-service-http',
          route: [
            {
              destination: { host: 'address-service.happyride.svc.cluster.local', subset: 'blue' },
              weight: 100,
            },
            {
              destination: { host: 'address-service.happyride.svc.cluster.local', subset: 'green' },
              weight: 0,
            },
          ],
        },
      ],
    });
  });

  it('lets KubernetesObjectApi discover and read a DestinationRule', async () => {
    const dr = await k.objects.read({
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'DestinationRule',
      metadata: { name: 'address-service', namespace: ns },
    });
    expect(
      (dr as { spec?: { subsets?: Array<{ name: string }> } }).spec?.subsets?.map((s) => s.name),
    ).toEqual(['blue', 'green']);
    expect(
      server.requests.some((r) => r.path === '/apis/networking.istio.io/v1beta1' && r.status === 200),
    ).toBe(true);
  });
});

describe('kube-api-server lists', () => {
  beforeAll(async () => {
    for (const [name, slot, tier] of [
      ['list-a', 'blue', 'web'],
      ['list-b', 'green', 'web'],
      ['list-c', 'green', undefined],
    ] as const) {
      const labels: Record<string, string> = { 'app.kubernetes.io/name': 'lister', slot };
      if (tier) labels.tier = tier;
      await k.core.createNamespacedService({
        namespace: 'lists',
        body: { metadata: { name, labels }, spec: { selector: { app: name }, ports: [{ port: 80 }] } },
      });
    }
  });

  const names = async (labelSelector?: string) =>
    (await k.core.listNamespacedService({ namespace: 'lists', labelSelector })).items.map(
      (s) => s.metadata?.name,
    );

  it('returns a ServiceList with a resourceVersion', async () => {
    const list = await k.core.listNamespacedService({ namespace: 'lists' });
    expect(list.kind).toBe('ServiceList');
    expect(list.apiVersion).toBe('v1');
    expect(list.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect(list.items.map((s) => s.metadata?.name)).toEqual(['list-a', 'list-b', 'list-c']);
  });

  it('filters by equality, inequality, existence, absence and set selectors', async () => {
    expect(await names('slot=green')).toEqual(['list-b', 'list-c']);
    expect(await names('slot!=green')).toEqual(['list-a']);
    expect(await names('tier')).toEqual(['list-a', 'list-b']);
    expect(await names('!tier')).toEqual(['list-c']);
    expect(await names('slot in (blue,purple)')).toEqual(['list-a']);
    expect(await names('slot notin (blue)')).toEqual(['list-b', 'list-c']);
    expect(await names('slot=green,tier=web')).toEqual(['list-b']);
  });

  it('pages with limit and continue', async () => {
    const first = await k.core.listNamespacedService({ namespace: 'lists', limit: 2 });
    expect(first.items.map((s) => s.metadata?.name)).toEqual(['list-a', 'list-b']);
    expect(first.metadata?.remainingItemCount).toBe(1);
    const rest = await k.core.listNamespacedService({
      namespace: 'lists',
      limit: 2,
      _continue: first.metadata?._continue,
    });
    expect(rest.items.map((s) => s.metadata?.name)).toEqual(['list-c']);
    expect(rest.metadata?._continue).toBeUndefined();
  });

  it('rejects a malformed selector with 400 BadRequest', async () => {
    const failure = await expectApiFailure(
      k.core.listNamespacedService({ namespace: 'lists', labelSelector: 'slot in blue' }),
    );
    expect(failure.code).toBe(400);
    expect(failure.body?.reason).toBe('BadRequest');
  });
});

describe('kube-api-server writes', () => {
  it('creates with 201 and refuses a second create with 409 AlreadyExists', async () => {
    const res = await k.apps.createNamespacedDeploymentWithHttpInfo({
      namespace: ns,
      body: greenDeployment('create-twice'),
    });
    expect(res.httpStatusCode).toBe(201);
    expect(res.data.metadata?.generation).toBe(1);
    expect(res.data.spec?.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
    });
    const failure = await expectApiFailure(
      k.apps.createNamespacedDeployment({ namespace: ns, body: greenDeployment('create-twice') }),
    );
    expect(failure.code).toBe(409);
    expect(failure.body?.reason).toBe('AlreadyExists');
    expect(failure.body?.message).toBe('deployments.apps "create-twice" already exists');
  });

  it('changes resourceVersion on every write and refuses a stale replace with 409 Conflict', async () => {
    const body = { metadata: { name: 'stale' }, spec: { selector: { app: 'stale' }, ports: [{ port: 80 }] } };
    const created = await k.core.createNamespacedService({ namespace: ns, body });
    const first = Number(created.metadata?.resourceVersion);
    created.metadata = { ...created.metadata, labels: { edited: 'once' } };
    const replaced = await k.core.replaceNamespacedService({ name: 'stale', namespace: ns, body: created });
    const second = Number(replaced.metadata?.resourceVersion);
    expect(second).toBeGreaterThan(first);
    replaced.metadata = { ...replaced.metadata, labels: { edited: 'twice' } };
    const again = await k.core.replaceNamespacedService({ name: 'stale', namespace: ns, body: replaced });
    expect(Number(again.metadata?.resourceVersion)).toBeGreaterThan(second);
    const failure = await expectApiFailure(
      k.core.replaceNamespacedService({ name: 'stale', namespace: ns, body: created }),
    );
    expect(failure.code).toBe(409);
    expect(failure.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'Operation cannot be fulfilled on services "stale": the object has been modified; please apply your changes to the latest version and try again',
      reason: 'Conflict',
      details: { name: 'stale', kind: 'services' },
      code: 409,
    });
  });

  it('keeps resourceVersion when a replace changes nothing, as etcd skips the write', async () => {
    const current = await k.core.readNamespacedService({ name: 'address-service', namespace: ns });
    const same = await k.core.replaceNamespacedService({
      name: 'address-service',
      namespace: ns,
      body: current,
    });
    expect(same.metadata?.resourceVersion).toBe(current.metadata?.resourceVersion);
  });

  it('replaces a built-in kind unconditionally when resourceVersion is empty, but not a custom object', async () => {
    const current = await k.apps.readNamespacedDeployment({ name: 'address-service-blue', namespace: ns });
    delete current.metadata?.resourceVersion;
    current.metadata = {
      ...current.metadata,
      annotations: { ...current.metadata?.annotations, note: 'unconditional' },
    };
    const replaced = await k.apps.replaceNamespacedDeployment({
      name: 'address-service-blue',
      namespace: ns,
      body: current,
    });
    expect(replaced.metadata?.annotations?.note).toBe('unconditional');
    const args = {
      group: 'networking.istio.io',
      version: 'v1beta1',
      namespace: ns,
      plural: 'destinationrules',
      name: 'address-service',
    };
    const dr = (await k.custom.getNamespacedCustomObject(args)) as { metadata: Record<string, unknown> };
    delete dr.metadata.resourceVersion;
    const failure = await expectApiFailure(k.custom.replaceNamespacedCustomObject({ ...args, body: dr }));
    expect(failure.code).toBe(422);
    expect(failure.body?.message).toBe(
      'DestinationRule.networking.istio.io "address-service" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update',
    );
  });

  it('bumps generation only when spec changes and ignores status on replace', async () => {
    await k.apps.createNamespacedDeployment({ namespace: ns, body: greenDeployment('generations') });
    // The simulated Deployment controller writes status (a new resourceVersion) until the rollout is done.
    const settled = await waitUntil(
      () => k.apps.readNamespacedDeployment({ name: 'generations', namespace: ns }),
      (d) => d.status?.availableReplicas === 2,
    );
    settled.metadata = { ...settled.metadata, labels: { ...settled.metadata?.labels, touched: 'yes' } };
    settled.status = { replicas: 99 };
    const labelled = await k.apps.replaceNamespacedDeployment({
      name: 'generations',
      namespace: ns,
      body: settled,
    });
    expect(labelled.metadata?.generation).toBe(1);
    expect(labelled.metadata?.labels?.touched).toBe('yes');
    expect(labelled.status?.replicas).toBe(2);
    labelled.spec!.replicas = 3;
    const scaled = await k.apps.replaceNamespacedDeployment({
      name: 'generations',
      namespace: ns,
      body: labelled,
    });
    expect(scaled.metadata?.generation).toBe(2);
    expect(scaled.metadata?.uid).toBe(settled.metadata?.uid);
  });

  it('rejects an invalid object with 422 Invalid and field causes', async () => {
    const bad = greenDeployment('invalid-one');
    bad.spec!.template.spec!.containers = [{ image: 'x' } as never];
    bad.spec!.template.metadata!.labels = { other: 'labels' };
    const failure = await expectApiFailure(k.apps.createNamespacedDeployment({ namespace: ns, body: bad }));
    expect(failure.code).toBe(422);
    expect(failure.body?.reason).toBe('Invalid');
    expect(failure.body?.details).toEqual({
      name: 'invalid-one',
      group: 'apps',
      kind: 'Deployment',
      causes: [
        {
          reason: 'FieldValueRequired',
          field: 'spec.template.spec.containers[0].name',
          message: 'Required value',
        },
        {
          reason: 'FieldValueInvalid',
          field: 'spec.template.metadata.labels',
          message:
            'Invalid value: map[string]string{"other":"labels"}: `selector` does not match template `labels`',
        },
      ],
    });
    expect(failure.body?.message).toBe(
      'Deployment.apps "invalid-one" is invalid: [spec.template.spec.containers[0].name: Required value, spec.template.metadata.labels: Invalid value: map[string]string{"other":"labels"}: `selector` does not match template `labels`]',
    );
  });

  it('rejects a VirtualService whose weight is not an integer, per the Istio CRD schema', async () => {
    const body = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'bad-weight' },
      spec: { hosts: ['h'], http: [{ route: [{ destination: { host: 'h' }, weight: 'fifty' }] }] },
    };
    const args = {
      group: 'networking.istio.io',
      version: 'v1',
      namespace: ns,
      plural: 'virtualservices',
      body,
    };
    const failure = await expectApiFailure(k.custom.createNamespacedCustomObject(args));
    expect(failure.code).toBe(422);
    expect(failure.body?.details).toEqual({
      name: 'bad-weight',
      group: 'networking.istio.io',
      kind: 'VirtualService',
      causes: [
        {
          reason: 'FieldValueTypeInvalid',
          field: 'spec.http[0].route[0].weight',
          message:
            'Invalid value: "string": spec.http[0].route[0].weight in body must be of type integer: "string"',
        },
      ],
    });
  });

  it('refuses a body whose name or apiVersion does not match the path with 400 BadRequest', async () => {
    const current = await k.apps.readNamespacedDeployment({ name: 'address-service-blue', namespace: ns });
    const failure = await expectApiFailure(
      k.apps.replaceNamespacedDeployment({ name: 'other', namespace: ns, body: current }),
    );
    expect(failure.body).toMatchObject({
      code: 400,
      reason: 'BadRequest',
      message: 'the name of the object (address-service-blue) does not match the name on the URL (other)',
    });
    const body = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'x' },
      spec: { host: 'h' },
    };
    const args = {
      group: 'networking.istio.io',
      version: 'v1beta1',
      namespace: ns,
      plural: 'destinationrules',
      body,
    };
    const mismatch = await expectApiFailure(k.custom.createNamespacedCustomObject(args));
    expect(mismatch.body?.message).toBe(
      'the API version in the data (networking.istio.io/v1) does not match the expected API version (networking.istio.io/v1beta1)',
    );
  });

  it('deletes a Deployment with a Success Status and a Service by returning it', async () => {
    const created = await k.apps.createNamespacedDeployment({
      namespace: ns,
      body: greenDeployment('to-delete'),
    });
    const status = await k.apps.deleteNamespacedDeployment({ name: 'to-delete', namespace: ns });
    expect(status).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Success',
      details: { name: 'to-delete', group: 'apps', kind: 'deployments', uid: created.metadata?.uid },
    });
    expect(server.getObject('deployments', ns, 'to-delete')).toBeUndefined();
    await k.core.createNamespacedService({
      namespace: 'gone',
      body: { metadata: { name: 'svc' }, spec: { ports: [{ port: 1 }] } },
    });
    const deleted = await k.core.deleteNamespacedService({ name: 'svc', namespace: 'gone' });
    expect(deleted.kind).toBe('Service');
    expect(deleted.metadata?.name).toBe('svc');
  });

  it('creates, replaces and deletes custom objects through KubernetesObjectApi', async () => {
    const spec = { host: 'reviews', subsets: [{ name: 'v1', labels: { version: 'v1' } }] };
    const meta = { name: 'reviews', namespace: ns };
    const dr: KubernetesObject & { spec: typeof spec } = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: meta,
      spec,
    };
    const created = await k.objects.create(dr);
    expect(created.metadata?.generation).toBe(1);
    const replaced = await k.objects.replace({ ...created, spec: { ...spec, host: 'reviews.other' } });
    expect(replaced.spec.host).toBe('reviews.other');
    expect(replaced.metadata?.generation).toBe(2);
    const status = await k.objects.delete({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: meta,
    });
    expect(status.status).toBe('Success');
    expect(server.getObject('DestinationRule', ns, 'reviews')).toBeUndefined();
  });
});
