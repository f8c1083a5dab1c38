import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { ServiceConfig } from '../config.js';
import type { JsonPatchOp, KubeObject } from '../release/ports.js';
import type { Slot } from '../release/types.js';
import { pointerToken, slotDeploymentName, slotLabels, slotSelectorLabels } from './labels.js';

/** `<repository>:<version>`, the image a slot runs for `version`. */
export function slotImage(service: ServiceConfig, version: string): string {
  return `${service.image}:${version}`;
}

/**
 * Builds a slot's Deployment exactly as the seed's chart renders it (labels, selector with the slot
 * label, one container named after the service). Typed by the apps/v1 schema (kubernetes-models'
 * types only: its runtime validator would double the worker's cold start for inputs that config.ts
 * has checked); the API server validates it on create, and its refusal names the field.
 */
export function buildDeployment(service: ServiceConfig, slot: Slot, version: string): KubeObject {
  const labels = slotLabels(service, slot, version);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: slotDeploymentName(service, slot), namespace: service.namespace, labels },
    spec: {
      replicas: service.replicas,
      selector: { matchLabels: slotSelectorLabels(service, slot) },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: service.name,
              image: slotImage(service, version),
              ports: [{ name: 'http', containerPort: service.port, protocol: 'TCP' }],
            },
          ],
        },
      },
    },
  } satisfies IDeployment;
}

interface DeploymentShape {
  metadata: { labels?: Record<string, string> };
  spec?: {
    replicas?: number;
    template?: {
      metadata?: { labels?: Record<string, string> };
      spec?: { containers?: { name: string; image?: string }[] };
    };
  };
}

/** Index of the service's container: the one named after the service, else the only one; -1 if ambiguous. */
function appContainerIndex(service: ServiceConfig, deployment: DeploymentShape): number {
  const containers = deployment.spec?.template?.spec?.containers ?? [];
  const named = containers.findIndex((c) => c.name === service.name);
  if (named >= 0) return named;
  return containers.length === 1 ? 0 : -1;
}

/**
 * JSON Patch that moves an existing slot Deployment to `version` at `replicas`: the app container's
 * image, the version labels and the replica count — nothing else of the user's Deployment.
 * Throws Error when the app container cannot be identified.
 */
export function planDeploymentUpdate(
  service: ServiceConfig,
  current: KubeObject,
  version: string,
  replicas: number,
): JsonPatchOp[] {
  const shape = current as unknown as DeploymentShape;
  const index = appContainerIndex(service, shape);
  if (index < 0) {
    throw new Error(
      `${current.metadata.name} has several containers and none is named ${service.name}; name the app container ${service.name}`,
    );
  }
  const container = shape.spec?.template?.spec?.containers?.[index];
  const versionKey = pointerToken('app.kubernetes.io/version');
  const ops: JsonPatchOp[] = [
    { op: 'test', path: `/spec/template/spec/containers/${index}/name`, value: container?.name },
    {
      op: 'replace',
      path: `/spec/template/spec/containers/${index}/image`,
      value: slotImage(service, version),
    },
    { op: 'replace', path: '/spec/replicas', value: replicas },
  ];
  ops.push(
    shape.metadata.labels
      ? { op: 'add', path: `/metadata/labels/${versionKey}`, value: version }
      : { op: 'add', path: '/metadata/labels', value: { 'app.kubernetes.io/version': version } },
  );
  ops.push(
    shape.spec?.template?.metadata?.labels
      ? { op: 'add', path: `/spec/template/metadata/labels/${versionKey}`, value: version }
      : {
          op: 'add',
          path: '/spec/template/metadata/labels',
          value: { 'app.kubernetes.io/version': version },
        },
  );
  return ops;
}

/** JSON Patch setting `spec.replicas`, guarded by the current value. */
export function planScale(current: KubeObject, replicas: number): JsonPatchOp[] {
  const spec = current.spec as { replicas?: number } | undefined;
  if (spec?.replicas === replicas) return [];
  return spec?.replicas === undefined
    ? [{ op: 'add', path: '/spec/replicas', value: replicas }]
    : [
        { op: 'test', path: '/spec/replicas', value: spec.replicas },
        { op: 'replace', path: '/spec/replicas', value: replicas },
      ];
}

/** Where a Deployment's rollout stands, read from its status (as `kubectl rollout status` does). */
export interface RolloutProgress {
  desired: number;
  updated: number;
  ready: number;
  available: number;
  /** True when the controller observed the latest spec and every replica is updated and available. */
  done: boolean;
  /** Set when the rollout failed: the Progressing condition's reason, e.g. ProgressDeadlineExceeded. */
  failure?: { reason: string; message: string };
  /** Image of the app container. */
  image?: string;
  /** Value of app.kubernetes.io/version. */
  version?: string;
}

interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

/** Reads a Deployment's rollout progress (rule: kubectl's DeploymentStatusViewer). */
export function readRolloutProgress(service: ServiceConfig, deployment: KubeObject): RolloutProgress {
  const shape = deployment as unknown as DeploymentShape;
  const status = (deployment.status ?? {}) as DeploymentStatus;
  const desired = shape.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const ready = status.readyReplicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const observed = (status.observedGeneration ?? 0) >= (deployment.metadata.generation ?? 0);
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  const failed = progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded';
  const index = appContainerIndex(service, shape);
  const image = index >= 0 ? shape.spec?.template?.spec?.containers?.[index]?.image : undefined;
  const version = shape.metadata.labels?.['app.kubernetes.io/version'];
  return {
    desired,
    updated,
    ready,
    available,
    done: observed && updated >= desired && available >= desired && (status.replicas ?? updated) <= updated,
    ...(observed && failed
      ? {
          failure: {
            reason: progressing.reason ?? 'ProgressDeadlineExceeded',
            message: progressing.message ?? '',
          },
        }
      : {}),
    ...(image ? { image } : {}),
    ...(version ? { version } : {}),
  };
}
