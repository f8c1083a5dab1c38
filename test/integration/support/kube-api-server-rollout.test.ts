// The simulated Deployment controller of the test Kubernetes API server, seen through the real client-node:
// rollouts to ready, observedGeneration, broken images ending in ProgressDeadlineExceeded, the scale subresource.
import type { V1Deployment, V1DeploymentCondition } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
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
  server = await startKubeApiServer({ rolloutDelayMs: 40, progressDeadlineMs: 80 });
  seedHappyride(server);
  k = makeKubeClients(server);
});
afterAll(() => server.close());

function slotDeployment(name: string, image: string, replicas: number): V1Deployment {
  const labels = { 'app.kubernetes.io/name': name, 'app.vividcode.io/deployment-type': 'green' };
  return {
    metadata: { name, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'app', image }] } },
    },
  };
}

const read = (name: string) => () => k.apps.readNamespacedDeployment({ name, namespace: ns });
const condition = (d: V1Deployment, type: string) => d.status?.conditions?.find((c) => c.type === type);
const brief = (c: V1DeploymentCondition | undefined) =>
  c && { status: c.status, reason: c.reason, message: c.message };
const rolledOut = (d: V1Deployment) =>
  d.status?.observedGeneration === d.metadata?.generation &&
  condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable';

describe('kube-api-server Deployment rollout', () => {
  it('starts with an empty status and reaches ready with observedGeneration and conditions', async () => {
    const created = await k.apps.createNamespacedDeployment({
      namespace: ns,
      body: slotDeployment('roll', 'app:1.0.0', 3),
    });
    expect(created.status).toEqual({});
    const done = await waitUntil(read('roll'), rolledOut);
    const { conditions, ...counts } = done.status ?? {};
    expect(counts).toEqual({
      observedGeneration: 1,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
    });
    const rs = (done.status?.conditions ?? []).map((c) => c.message).find((m) => m?.startsWith('ReplicaSet'));
    expect(rs).toMatch(/^ReplicaSet "roll-[bcdfghjklmnpqrstvwxz2456789]{10}" has successfully progressed\.$/);
    expect(conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Available', 'True', 'MinimumReplicasAvailable'],
      ['Progressing', 'True', 'NewReplicaSetAvailable'],
    ]);
    expect(done.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
  });

  it('rolls a new template out under a new ReplicaSet and follows the generation', async () => {
    await k.apps.createNamespacedDeployment({
      namespace: ns,
      body: slotDeployment('roll-twice', 'app:1.0.0', 2),
    });
    const first = await waitUntil(read('roll-twice'), rolledOut);
    const body = [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'app:1.1.0' }];
    const patched = await k.apps.patchNamespacedDeployment({ name: 'roll-twice', namespace: ns, body });
    expect(patched.metadata?.generation).toBe(2);
    expect(patched.status?.observedGeneration).toBe(1);
    const second = await waitUntil(read('roll-twice'), rolledOut);
    expect(second.status?.observedGeneration).toBe(2);
    expect(second.status?.updatedReplicas).toBe(2);
    expect(second.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    expect(condition(second, 'Progressing')?.message).not.toBe(condition(first, 'Progressing')?.message);
  });

  it('shows progress one pod at a time when rolloutStepMs is set', async () => {
    const stepped = await startKubeApiServer({ rolloutStepMs: 60 });
    try {
      const c = makeKubeClients(stepped);
      await c.apps.createNamespacedDeployment({ namespace: ns, body: slotDeployment('steps', 'app:1', 3) });
      const seen = new Set<number>();
      await waitUntil(
        () => c.apps.readNamespacedDeployment({ name: 'steps', namespace: ns }),
        (d) => {
          seen.add(d.status?.readyReplicas ?? 0);
          return d.status?.readyReplicas === 3;
        },
      );
      expect([...seen].sort()).toEqual([0, 1, 2, 3]);
    } finally {
      await stepped.close();
    }
  });

  it('never readies a broken image and ends with ProgressDeadlineExceeded', async () => {
    server.markImageBroken(':9.9.9-broken');
    const created = await k.apps.createNamespacedDeployment({
      namespace: ns,
      body: slotDeployment('broken', 'app:9.9.9-broken', 2),
    });
    const stuck = await waitUntil(read('broken'), (d) => condition(d, 'Progressing')?.status === 'False');
    const hash = /"broken-(\w+)"/.exec(condition(stuck, 'Progressing')?.message ?? '')?.[1];
    expect(brief(condition(stuck, 'Progressing'))).toEqual({
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
      message: `ReplicaSet "broken-${hash}" has timed out progressing.`,
    });
    expect(brief(condition(stuck, 'Available'))).toEqual({
      status: 'False',
      reason: 'MinimumReplicasUnavailable',
      message: 'Deployment does not have minimum availability.',
    });
    // Zero counts are omitted, as DeploymentStatus fields are omitempty.
    const { conditions: _c, ...counts } = stuck.status ?? {};
    expect(counts).toEqual({
      observedGeneration: 1,
      replicas: 2,
      updatedReplicas: 2,
      unavailableReplicas: 2,
    });
    expect(created.metadata?.uid).toBe(stuck.metadata?.uid);
  });

  it('keeps the old pods serving when an update to a broken image stalls', async () => {
    await k.apps.createNamespacedDeployment({ namespace: ns, body: slotDeployment('stall', 'app:1.0.0', 2) });
    await waitUntil(read('stall'), rolledOut);
    server.markImageBroken('app:6.6.6');
    const body = [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'app:6.6.6' }];
    await k.apps.patchNamespacedDeployment({ name: 'stall', namespace: ns, body });
    const stuck = await waitUntil(
      read('stall'),
      (d) => condition(d, 'Progressing')?.reason === 'ProgressDeadlineExceeded',
    );
    const { conditions: _c, ...counts } = stuck.status ?? {};
    expect(counts).toEqual({
      observedGeneration: 2,
      replicas: 3,
      updatedReplicas: 1,
      readyReplicas: 2,
      availableReplicas: 2,
      unavailableReplicas: 1,
    });
  });
});

describe('kube-api-server scale subresource', () => {
  it('reads an autoscaling/v1 Scale with the selector string', async () => {
    const scale = await k.apps.readNamespacedDeploymentScale({ name: 'address-service-blue', namespace: ns });
    expect(scale.apiVersion).toBe('autoscaling/v1');
    expect(scale.kind).toBe('Scale');
    expect(scale.spec).toEqual({ replicas: 2 });
    expect(scale.status).toEqual({
      replicas: 2,
      selector:
        'app.kubernetes.io/instance=address-service-blue,app.kubernetes.io/name=address-service,app.vividcode.io/deployment-type=blue',
    });
  });

  it('scales to 0 through replace, and status drops to 0 right after', async () => {
    await k.apps.createNamespacedDeployment({ namespace: ns, body: slotDeployment('to-zero', 'app:1', 2) });
    const settled = await waitUntil(read('to-zero'), rolledOut);
    const scale = await k.apps.readNamespacedDeploymentScale({ name: 'to-zero', namespace: ns });
    const body = { ...scale, spec: { replicas: 0 } };
    const written = await k.apps.replaceNamespacedDeploymentScale({ name: 'to-zero', namespace: ns, body });
    expect(written.spec?.replicas).toBeUndefined();
    const zero = await waitUntil(read('to-zero'), (d) => d.status?.observedGeneration === 2);
    expect(zero.spec?.replicas).toBe(0);
    expect(zero.metadata?.generation).toBe((settled.metadata?.generation ?? 0) + 1);
    const { conditions: _c, ...counts } = zero.status ?? {};
    expect(counts).toEqual({ observedGeneration: 2 });
  });

  it('scales up through a merge patch of the Scale', async () => {
    await k.apps.createNamespacedDeployment({ namespace: ns, body: slotDeployment('scale-up', 'app:1', 1) });
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const body = { spec: { replicas: 4 } };
    const scale = await k.apps.patchNamespacedDeploymentScale(
      { name: 'scale-up', namespace: ns, body },
      merge,
    );
    expect(scale.spec?.replicas).toBe(4);
    const done = await waitUntil(read('scale-up'), (d) => d.status?.availableReplicas === 4 && rolledOut(d));
    expect(done.spec?.replicas).toBe(4);
  });

  it('refuses a Scale write with a stale resourceVersion with 409', async () => {
    const scale = await k.apps.readNamespacedDeploymentScale({ name: 'address-service-blue', namespace: ns });
    server.putObject('deployments', {
      ...(server.getObject('deployments', ns, 'address-service-blue') ?? { metadata: {} }),
      metadata: {
        ...server.getObject('deployments', ns, 'address-service-blue')?.metadata,
        labels: { edited: 'by-hand' },
      },
    });
    const body = { ...scale, spec: { replicas: 5 } };
    const failure = await expectApiFailure(
      k.apps.replaceNamespacedDeploymentScale({ name: 'address-service-blue', namespace: ns, body }),
    );
    expect(failure.code).toBe(409);
    expect(failure.body?.reason).toBe('Conflict');
  });
});
