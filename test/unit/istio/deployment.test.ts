import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { applyPatch } from 'rfc6902';
import { describe, expect, it } from 'vitest';
import {
  buildDeployment,
  planDeploymentUpdate,
  planScale,
  readRolloutProgress,
  slotImage,
} from '../../../functions/istio/deployment.js';
import type { KubeObject } from '../../../functions/release/ports.js';
import { applyOps, readFixture, shippedService } from '../../support/istio-objects.js';

const service = shippedService();
const IMAGE = 'happyride/happyride-address-service:1.0.1-fe220c2';

/** A Deployment as the API server reports it: generation and status set. */
function withStatus(generation: number, status: Record<string, unknown>, replicas = 2): KubeObject {
  const deployment = buildDeployment(service, 'green', '1.0.1-fe220c2');
  deployment.metadata.generation = generation;
  (deployment.spec as { replicas: number }).replicas = replicas;
  deployment.status = status;
  return deployment;
}

describe('buildDeployment', () => {
  it("builds address-service-green with the seed's labels, slot selector and image", () => {
    const labels = {
      'app.kubernetes.io/name': 'address-service',
      'app.kubernetes.io/instance': 'address-service-green',
      'app.vividcode.io/deployment-type': 'green',
      'app.kubernetes.io/version': '1.0.1-fe220c2',
      'app.kubernetes.io/managed-by': 'gray',
    };

    expect(buildDeployment(service, 'green', '1.0.1-fe220c2')).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'address-service-green', namespace: 'happyride', labels },
      spec: {
        replicas: 2,
        selector: {
          matchLabels: {
            'app.kubernetes.io/name': 'address-service',
            'app.kubernetes.io/instance': 'address-service-green',
            'app.vividcode.io/deployment-type': 'green',
          },
        },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: 'address-service',
                image: IMAGE,
                ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
              },
            ],
          },
        },
      },
    });
  });

  it('names the blue slot address-service-blue and selects it as the seed chart does: name, instance and slot label', () => {
    const blue = buildDeployment(service, 'blue', '1.0.0-fe220c2');
    const spec = blue.spec as { selector: { matchLabels: Record<string, string> } };

    expect(blue.metadata.name).toBe('address-service-blue');
    expect(blue.metadata.labels?.['app.kubernetes.io/instance']).toBe('address-service-blue');
    expect(spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'address-service',
      'app.kubernetes.io/instance': 'address-service-blue',
      'app.vividcode.io/deployment-type': 'blue',
    });
  });

  it('passes the apps/v1 schema, which refuses a container without a name', () => {
    const built = buildDeployment(service, 'green', '1.0.1-fe220c2');
    expect(() => new Deployment(built as never).validate()).not.toThrow();

    const broken = structuredClone(built) as {
      spec: { template: { spec: { containers: { name?: string }[] } } };
    };
    delete broken.spec.template.spec.containers[0]!.name;
    expect(() => new Deployment(broken as never).validate()).toThrow(
      'data/spec/template/spec/containers/0 must have required property name',
    );
  });
});

describe('slotImage', () => {
  it('joins the repository and the version', () => {
    expect(slotImage(service, '1.0.1-fe220c2')).toBe(IMAGE);
  });
});

describe('planDeploymentUpdate', () => {
  it('changes only the app image, the replicas and the version labels of a user Deployment', () => {
    const current = readFixture('deployment-with-sidecar.yaml');

    const after = applyOps(current, planDeploymentUpdate(service, current, '1.0.1-fe220c2', 3));

    const expected = structuredClone(current) as {
      metadata: { labels: Record<string, string> };
      spec: {
        replicas: number;
        template: { metadata: { labels: Record<string, string> }; spec: { containers: { image: string }[] } };
      };
    };
    expected.metadata.labels['app.kubernetes.io/version'] = '1.0.1-fe220c2';
    expected.spec.replicas = 3;
    expected.spec.template.metadata.labels['app.kubernetes.io/version'] = '1.0.1-fe220c2';
    expected.spec.template.spec.containers[1]!.image = IMAGE;
    expect(after).toEqual(expected);
    expect(JSON.stringify(after)).toBe(JSON.stringify(expected));
  });

  it('guards the app container by name so a reordered container list fails the patch', () => {
    const current = readFixture('deployment-with-sidecar.yaml');
    const ops = planDeploymentUpdate(service, current, '1.0.1-fe220c2', 2);
    const reordered = structuredClone(current) as { spec: { template: { spec: { containers: unknown[] } } } };
    reordered.spec.template.spec.containers.reverse();

    expect(ops[0]).toEqual({
      op: 'test',
      path: '/spec/template/spec/containers/1/name',
      value: 'address-service',
    });
    expect(applyPatch(reordered, ops)[0]?.name).toBe('TestError');
  });

  it('adds the version labels to a Deployment that has no labels', () => {
    const current = readFixture('deployment-with-sidecar.yaml') as KubeObject & {
      spec: { template: { metadata: { labels?: unknown } } };
    };
    delete current.metadata.labels;
    delete current.spec.template.metadata.labels;

    const after = applyOps(current, planDeploymentUpdate(service, current, '1.0.1-fe220c2', 2));

    expect(after.metadata.labels).toEqual({ 'app.kubernetes.io/version': '1.0.1-fe220c2' });
    expect((after.spec as typeof current.spec).template.metadata.labels).toEqual({
      'app.kubernetes.io/version': '1.0.1-fe220c2',
    });
  });

  it('refuses a Deployment whose several containers include none named after the service', () => {
    const current = readFixture('deployment-with-sidecar.yaml') as KubeObject & {
      spec: { template: { spec: { containers: { name: string }[] } } };
    };
    current.spec.template.spec.containers[1]!.name = 'app';

    expect(() => planDeploymentUpdate(service, current, '1.0.1-fe220c2', 2)).toThrow(
      'address-service-green has several containers and none is named address-service; name the app container address-service',
    );
  });
});

describe('planScale', () => {
  it('replaces the replica count guarded by the current one', () => {
    const current = readFixture('deployment-with-sidecar.yaml');

    const ops = planScale(current, 0);

    expect(ops).toEqual([
      { op: 'test', path: '/spec/replicas', value: 2 },
      { op: 'replace', path: '/spec/replicas', value: 0 },
    ]);
    expect((applyOps(current, ops).spec as { replicas: number }).replicas).toBe(0);
  });

  it('plans nothing when the count is already right and adds it when absent', () => {
    const current = readFixture('deployment-with-sidecar.yaml');
    expect(planScale(current, 2)).toEqual([]);

    delete (current.spec as { replicas?: number }).replicas;
    expect(planScale(current, 2)).toEqual([{ op: 'add', path: '/spec/replicas', value: 2 }]);
  });
});

describe('readRolloutProgress', () => {
  it('is done when the latest spec is observed and every replica is updated and available', () => {
    const deployment = withStatus(2, {
      observedGeneration: 2,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
    });

    expect(readRolloutProgress(service, deployment)).toEqual({
      desired: 2,
      updated: 2,
      ready: 2,
      available: 2,
      done: true,
      image: IMAGE,
      version: '1.0.1-fe220c2',
    });
  });

  it('is not done while old replicas remain or new ones are not available', () => {
    const surging = withStatus(2, {
      observedGeneration: 2,
      replicas: 3,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
    });
    const starting = withStatus(2, {
      observedGeneration: 2,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 1,
      availableReplicas: 1,
    });

    expect(readRolloutProgress(service, surging).done).toBe(false);
    expect(readRolloutProgress(service, starting)).toMatchObject({ ready: 1, available: 1, done: false });
  });

  it('is not done while the controller has not observed the latest generation', () => {
    const lagging = withStatus(3, {
      observedGeneration: 2,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
    });

    expect(readRolloutProgress(service, lagging).done).toBe(false);
    expect(readRolloutProgress(service, withStatus(1, {})).done).toBe(false);
  });

  it('reports ProgressDeadlineExceeded with its message', () => {
    const message = 'ReplicaSet "address-service-green-7c9d" has timed out progressing.';
    const stuck = withStatus(2, {
      observedGeneration: 2,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 0,
      availableReplicas: 0,
      conditions: [
        { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable' },
        { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message },
      ],
    });

    expect(readRolloutProgress(service, stuck)).toEqual({
      desired: 2,
      updated: 2,
      ready: 0,
      available: 0,
      done: false,
      failure: { reason: 'ProgressDeadlineExceeded', message },
      image: IMAGE,
      version: '1.0.1-fe220c2',
    });
  });

  it('ignores a deadline condition from a generation the controller has not yet seen', () => {
    const stale = withStatus(3, {
      observedGeneration: 2,
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
    });

    expect(readRolloutProgress(service, stale).failure).toBeUndefined();
  });

  it('counts a Deployment scaled to zero as done', () => {
    expect(readRolloutProgress(service, withStatus(4, { observedGeneration: 4 }, 0)).done).toBe(true);
  });

  it('reads the app container image of a Deployment with a sidecar', () => {
    const progress = readRolloutProgress(service, readFixture('deployment-with-sidecar.yaml'));

    expect(progress.image).toBe('happyride/happyride-address-service:1.0.0-fe220c2');
    expect(progress.version).toBe('1.0.0-fe220c2');
    expect(progress.done).toBe(false);
  });
});
