// Test controls of the test Kubernetes API server: fault injection (500, 429 + Retry-After, 409, reset, delay),
// the request log and counters, direct store writes, close(), and the standalone starter.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  expectApiFailure,
  type KubeClients,
  makeKubeClients,
} from '../../support/kube-api-server/client-helpers.js';
import {
  type KubeApiServer,
  type KubeObject,
  startKubeApiServer,
} from '../../support/kube-api-server/index.js';
import { seedHappyride } from '../../support/kube-api-server/seed.js';
import { runStandaloneKubeApiServer } from '../../support/kube-api-server/standalone.js';

const ns = 'happyride';
let server: KubeApiServer;
let k: KubeClients;

beforeAll(async () => {
  server = await startKubeApiServer();
  seedHappyride(server);
  k = makeKubeClients(server);
});
afterAll(() => server.close());
beforeEach(() => {
  server.clearFaults();
  server.clearLog();
});

const readBlue = () => k.apps.readNamespacedDeployment({ name: 'address-service-blue', namespace: ns });
const vsArgs = {
  group: 'networking.istio.io',
  version: 'v1',
  namespace: ns,
  plural: 'virtualservices',
  name: 'address-service-deployment',
};

describe('kube-api-server fault injection', () => {
  it('answers 500 InternalError to the next matching request only', async () => {
    server.injectFault({ method: 'GET', pathIncludes: '/deployments/', times: 1, fault: { status: 500 } });
    const failure = await expectApiFailure(readBlue());
    expect(failure.code).toBe(500);
    expect(failure.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Internal error occurred: injected fault',
      reason: 'InternalError',
      details: { causes: [{ reason: '', message: 'injected fault' }] },
      code: 500,
    });
    expect((await readBlue()).metadata?.name).toBe('address-service-blue');
  });

  it('answers 429 with a Retry-After header and details.retryAfterSeconds', async () => {
    server.injectFault({ times: 1, fault: { status: 429, retryAfterSeconds: 7 } });
    const failure = await expectApiFailure(readBlue());
    expect(failure.code).toBe(429);
    expect(failure.headers['retry-after']).toBe('7');
    expect(failure.body).toMatchObject({ reason: 'TooManyRequests', details: { retryAfterSeconds: 7 } });
  });

  it('answers 409 Conflict naming the object on the path', async () => {
    server.injectFault({
      method: 'PATCH',
      pathIncludes: 'virtualservices',
      times: 1,
      fault: { status: 409 },
    });
    const body = [{ op: 'test', path: '/spec/http/0/route/0/weight', value: 100 }];
    const failure = await expectApiFailure(k.custom.patchNamespacedCustomObject({ ...vsArgs, body }));
    expect(failure.body).toMatchObject({
      code: 409,
      reason: 'Conflict',
      message:
        'Operation cannot be fulfilled on virtualservices.networking.istio.io "address-service-deployment": the object has been modified; please apply your changes to the latest version and try again',
      details: { name: 'address-service-deployment', group: 'networking.istio.io', kind: 'virtualservices' },
    });
  });

  it('resets the connection, which client-node reports as a network error, not an ApiException', async () => {
    server.injectFault({ pathIncludes: '/services/', times: 1, fault: { reset: true } });
    const error = await k.core
      .readNamespacedService({ name: 'address-service', namespace: ns })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ApiException);
    expect(server.requests.at(-1)?.status).toBe(0);
    expect(
      (await k.core.readNamespacedService({ name: 'address-service', namespace: ns })).metadata?.name,
    ).toBe('address-service');
  });

  it('delays a request and then handles it normally', async () => {
    server.injectFault({ times: 1, fault: { delayMs: 200 } });
    const started = Date.now();
    const d = await readBlue();
    expect(Date.now() - started).toBeGreaterThanOrEqual(195);
    expect(d.metadata?.name).toBe('address-service-blue');
  });

  it('fires `times` times and only on matching method and path', async () => {
    server.injectFault({ method: 'PUT', times: 2, fault: { status: 500 } });
    expect((await readBlue()).metadata?.name).toBe('address-service-blue');
    const svc = await k.core.readNamespacedService({ name: 'address-service', namespace: ns });
    const replace = () =>
      k.core.replaceNamespacedService({ name: 'address-service', namespace: ns, body: svc });
    expect((await expectApiFailure(replace())).code).toBe(500);
    expect((await expectApiFailure(replace())).code).toBe(500);
    expect((await replace()).metadata?.name).toBe('address-service');
  });
});

describe('kube-api-server request log', () => {
  it('records method, path, query, content type, body and status, and counts by verb and resource', async () => {
    await k.core.listNamespacedService({
      namespace: ns,
      labelSelector: 'app.kubernetes.io/name=address-service',
    });
    const body = [{ op: 'add', path: '/metadata/labels', value: { logged: 'yes' } }];
    await k.custom.patchNamespacedCustomObject({ ...vsArgs, body });
    expect(server.requests).toEqual([
      {
        method: 'GET',
        path: '/api/v1/namespaces/happyride/services',
        query: { labelSelector: 'app.kubernetes.io/name=address-service' },
        contentType: undefined,
        body: undefined,
        status: 200,
        verb: 'list',
        resource: 'services',
      },
      {
        method: 'PATCH',
        path: '/apis/networking.istio.io/v1/namespaces/happyride/virtualservices/address-service-deployment',
        query: {},
        contentType: 'application/json-patch+json',
        body: [{ op: 'add', path: '/metadata/labels', value: { logged: 'yes' } }],
        status: 200,
        verb: 'patch',
        resource: 'virtualservices',
      },
    ]);
    expect(server.counters()).toEqual({ 'list services': 1, 'patch virtualservices': 1 });
    expect(server.countRequests({ method: 'PATCH', status: 200 })).toBe(1);
    server.clearLog();
    expect(server.requests).toEqual([]);
  });
});

describe('kube-api-server direct store access', () => {
  it('putObject acts like a human edit: resourceVersion bumps and a client holding the old one gets 409', async () => {
    const held = (await k.custom.getNamespacedCustomObject(vsArgs)) as KubeObject;
    const edited = server.getObject('virtualservices', ns, 'address-service-deployment') as KubeObject;
    edited.metadata.annotations = { 'edited-by': 'a-human' };
    const stored = server.putObject('virtualservices', edited);
    expect(Number(stored.metadata.resourceVersion)).toBeGreaterThan(Number(held.metadata.resourceVersion));
    expect(stored.metadata.generation).toBe(held.metadata.generation);
    const failure = await expectApiFailure(k.custom.replaceNamespacedCustomObject({ ...vsArgs, body: held }));
    expect(failure.code).toBe(409);
    expect(server.deleteObject('virtualservices', ns, 'nope')).toBe(false);
  });
});

describe('kube-api-server request options', () => {
  it('validates but does not store a create with dryRun=All', async () => {
    const body = { metadata: { name: 'dry' }, spec: { ports: [{ port: 80 }] } };
    const created = await k.core.createNamespacedService({ namespace: ns, body, dryRun: 'All' });
    expect(created.metadata?.name).toBe('dry');
    expect(server.getObject('services', ns, 'dry')).toBeUndefined();
  });

  it('refuses watch requests with 400 instead of answering with a list', async () => {
    const failure = await expectApiFailure(k.core.listNamespacedService({ namespace: ns, watch: true }));
    expect(failure.body).toMatchObject({
      code: 400,
      message: 'watch is not implemented by the test API server',
    });
  });
});

describe('kube-api-server lifecycle', () => {
  it('close() ends kept-alive connections so later requests are refused', async () => {
    const own = await startKubeApiServer();
    const c = makeKubeClients(own);
    await c.core.listNamespacedService({ namespace: ns });
    await own.close();
    const error = await c.core.listNamespacedService({ namespace: ns }).catch((e: unknown) => e);
    expect(String((error as Error & { cause?: { code?: string } }).cause?.code)).toBe('ECONNREFUSED');
  });

  it('runs standalone with a kubeconfig file that a plain KubeConfig can load', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kube-api-server-'));
    const lines: string[] = [];
    const standalone = await runStandaloneKubeApiServer({
      kubeconfigPath: join(dir, 'kubeconfig'),
      log: (l) => lines.push(l),
    });
    try {
      const kc = new KubeConfig();
      kc.loadFromFile(join(dir, 'kubeconfig'));
      expect(kc.getCurrentContext()).toBe('gray-test');
      expect(kc.getContextObject('gray-test')?.namespace).toBe('happyride');
      const svc = await kc
        .makeApiClient(CoreV1Api)
        .readNamespacedService({ name: 'address-service', namespace: ns });
      expect(svc.spec?.selector).toEqual({ 'app.kubernetes.io/name': 'address-service' });
      expect(lines).toEqual([
        `kube-api-server listening on ${standalone.url} (kubeconfig: ${join(dir, 'kubeconfig')})`,
      ]);
    } finally {
      await standalone.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
