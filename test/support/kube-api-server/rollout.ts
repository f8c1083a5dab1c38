// A stand-in for the Deployment controller: after a create or a spec change it "starts pods" on timers and
// writes status the way kube-controller-manager does (observedGeneration, replica counts, conditions).
import { createHash } from 'node:crypto';
import { nowTimestamp } from './registry.js';
import {
  cloneObject,
  isPlainObject,
  jsonEqual,
  type KubeObject,
  type ResourceType,
  resolveResourceType,
} from './resources.js';
import type { ObjectStore } from './store.js';

/** Rollout timing, in milliseconds. */
export interface RolloutTiming {
  /** Time from the controller observing a change until all new pods are ready (when not stepwise). */
  rolloutDelayMs: number;
  /** When set, one new pod becomes ready every `rolloutStepMs` instead of all at once. */
  rolloutStepMs?: number;
  /** Time after which a rollout whose pods never get ready reports ProgressDeadlineExceeded. */
  progressDeadlineMs: number;
}

interface RolloutState {
  /** pod-template-hash of the newest ReplicaSet. */
  hash: string;
  revision: number;
  /** Available pods of older ReplicaSets that still serve while the new one comes up. */
  oldAvailable: number;
  /** Ready pods of the newest ReplicaSet. */
  newReady: number;
  broken: boolean;
  deadlineExceeded: boolean;
  timers: Set<NodeJS.Timeout>;
}

const HASH_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

/** A pod-template-hash lookalike (10 characters of the alphabet Kubernetes' SafeEncodeString uses). */
export function templateHash(template: unknown): string {
  const digest = createHash('sha256')
    .update(JSON.stringify(template ?? {}))
    .digest();
  return [...digest.subarray(0, 10)].map((b) => HASH_ALPHABET[b % HASH_ALPHABET.length]).join('');
}

/** Simulates Deployment rollouts on the store's deployments; `close()` stops every timer. */
export class RolloutController {
  private readonly states = new Map<string, RolloutState>();
  private readonly brokenImages: string[] = [];
  private readonly rt: ResourceType = resolveResourceType('deployments');
  private closed = false;

  /** Subscribes to the store's writes; `timing` is read on every scheduling, so it may be changed later. */
  constructor(
    private readonly store: ObjectStore,
    readonly timing: RolloutTiming,
  ) {
    store.onWrite((rt, before, after) => {
      if (rt.plural === 'deployments') this.onDeploymentWrite(before, after);
    });
  }

  /** Pods whose image contains `imageOrTagSubstring` never become ready (until clearBrokenImages). */
  markImageBroken(imageOrTagSubstring: string): void {
    this.brokenImages.push(imageOrTagSubstring);
  }

  /** Forgets every broken-image mark (affects rollouts observed from now on). */
  clearBrokenImages(): void {
    this.brokenImages.length = 0;
  }

  /** Cancels all pending timers; nothing is written afterwards. */
  close(): void {
    this.closed = true;
    for (const state of this.states.values()) this.cancel(state);
  }

  private onDeploymentWrite(before: KubeObject | undefined, after: KubeObject | undefined): void {
    const obj = after ?? before;
    if (!obj) return;
    const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
    const existing = this.states.get(key);
    if (!after) {
      if (existing) this.cancel(existing);
      this.states.delete(key);
      return;
    }
    // Status and metadata-only writes (including this controller's own) need no reconciliation.
    if (before && before.metadata.generation === after.metadata.generation) return;
    const state = existing ?? this.initialState(before ?? after);
    this.states.set(key, state);
    // An object stored with a status that already reflects its generation (a seed) is taken as settled.
    if (!before && after.status?.observedGeneration === after.metadata.generation) return;
    this.cancel(state);
    this.schedule(state, 0, () => this.observe(key, state));
  }

  private initialState(obj: KubeObject): RolloutState {
    const settled = obj.status?.observedGeneration !== undefined;
    return {
      hash: settled ? templateHash(obj.spec?.template) : '',
      revision: Number(obj.metadata.annotations?.[REVISION_ANNOTATION] ?? (settled ? 1 : 0)),
      oldAvailable: 0,
      newReady: settled ? Number(obj.status?.availableReplicas ?? 0) : 0,
      broken: false,
      deadlineExceeded: false,
      timers: new Set(),
    };
  }

  private observe(key: string, state: RolloutState): void {
    const obj = this.load(key);
    if (!obj) return;
    const desired = Number(obj.spec?.replicas ?? 1);
    const hash = templateHash(obj.spec?.template);
    if (state.hash !== hash) {
      const available = Number(obj.status?.availableReplicas ?? 0);
      state.oldAvailable = state.hash === '' ? 0 : Math.min(available, desired);
      state.newReady = 0;
      state.hash = hash;
      state.revision += 1;
      state.deadlineExceeded = false;
    }
    state.newReady = Math.min(state.newReady, desired);
    state.oldAvailable = Math.min(state.oldAvailable, desired - state.newReady);
    state.broken = this.isBroken(obj);
    this.writeStatus(key, state);
    if (state.newReady === desired) return;
    if (state.broken) {
      this.schedule(state, this.timing.progressDeadlineMs, () => {
        state.deadlineExceeded = true;
        this.writeStatus(key, state);
      });
    } else {
      this.scheduleProgress(key, state, desired);
    }
  }

  private scheduleProgress(key: string, state: RolloutState, desired: number): void {
    const step = this.timing.rolloutStepMs;
    this.schedule(state, step ?? this.timing.rolloutDelayMs, () => {
      state.newReady = step === undefined ? desired : Math.min(desired, state.newReady + 1);
      state.oldAvailable = Math.min(state.oldAvailable, desired - state.newReady);
      if (state.newReady === desired) state.oldAvailable = 0;
      this.writeStatus(key, state);
      if (state.newReady < desired) this.scheduleProgress(key, state, desired);
    });
  }

  private isBroken(obj: KubeObject): boolean {
    const podSpec =
      isPlainObject(obj.spec?.template) && isPlainObject(obj.spec.template.spec)
        ? obj.spec.template.spec
        : {};
    const containers = Array.isArray(podSpec.containers) ? podSpec.containers : [];
    const images = containers.map((c) => (isPlainObject(c) ? String(c.image ?? '') : ''));
    return images.some((image) => this.brokenImages.some((mark) => image.includes(mark)));
  }

  private load(key: string): KubeObject | undefined {
    const [namespace = '', name = ''] = key.split('/');
    return this.store.get(this.rt, namespace, name);
  }

  private writeStatus(key: string, state: RolloutState): void {
    const obj = this.load(key);
    if (!obj || this.closed) return;
    const next = cloneObject(obj);
    next.metadata.annotations = {
      ...(next.metadata.annotations ?? {}),
      [REVISION_ANNOTATION]: String(state.revision),
    };
    next.status = computeStatus(obj, state);
    if (!jsonEqual(next, obj)) this.store.commit(this.rt, next);
  }

  private schedule(state: RolloutState, ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      state.timers.delete(timer);
      if (!this.closed) run();
    }, ms);
    timer.unref();
    state.timers.add(timer);
  }

  private cancel(state: RolloutState): void {
    for (const timer of state.timers) clearTimeout(timer);
    state.timers.clear();
  }
}

type Condition = Record<string, unknown>;

function computeStatus(obj: KubeObject, state: RolloutState): Record<string, unknown> {
  const desired = Number(obj.spec?.replicas ?? 1);
  const pending = desired - state.newReady;
  // A broken ReplicaSet gets its pods created (within maxSurge 25% while old pods serve) but none turn ready.
  const surge = Math.max(1, Math.ceil(desired * 0.25));
  const created =
    state.newReady +
    (state.broken && pending > 0 ? (state.oldAvailable === 0 ? pending : Math.min(pending, surge)) : 0);
  const available = state.oldAvailable + state.newReady;
  const rs = `${obj.metadata.name}-${state.hash}`;
  const previous = Array.isArray(obj.status?.conditions) ? (obj.status.conditions as Condition[]) : [];
  const minAvailable = desired - Math.floor(desired * 0.25);
  const conditions = [
    available >= minAvailable
      ? condition(
          previous,
          'Available',
          'True',
          'MinimumReplicasAvailable',
          'Deployment has minimum availability.',
        )
      : condition(
          previous,
          'Available',
          'False',
          'MinimumReplicasUnavailable',
          'Deployment does not have minimum availability.',
        ),
    state.newReady === desired
      ? condition(
          previous,
          'Progressing',
          'True',
          'NewReplicaSetAvailable',
          `ReplicaSet "${rs}" has successfully progressed.`,
        )
      : state.deadlineExceeded
        ? condition(
            previous,
            'Progressing',
            'False',
            'ProgressDeadlineExceeded',
            `ReplicaSet "${rs}" has timed out progressing.`,
          )
        : condition(
            previous,
            'Progressing',
            'True',
            'ReplicaSetUpdated',
            `ReplicaSet "${rs}" is progressing.`,
          ),
  ];
  const counts: Record<string, number> = {
    replicas: state.oldAvailable + created,
    updatedReplicas: created,
    readyReplicas: available,
    availableReplicas: available,
    // As calculateStatus in the deployment controller: pods of all ReplicaSets minus available ones.
    unavailableReplicas: Math.max(0, state.oldAvailable + created - available),
  };
  // DeploymentStatus fields are `omitempty`: a zero count is absent, not 0.
  const nonZero = Object.fromEntries(Object.entries(counts).filter(([, v]) => v !== 0));
  return { observedGeneration: obj.metadata.generation, ...nonZero, conditions };
}

function condition(
  previous: Condition[],
  type: string,
  status: string,
  reason: string,
  message: string,
): Condition {
  const now = nowTimestamp();
  const old = previous.find((c) => c.type === type);
  const unchanged = old?.status === status && old.reason === reason && old.message === message;
  return {
    type,
    status,
    lastUpdateTime: unchanged ? old.lastUpdateTime : now,
    lastTransitionTime: old?.status === status ? old.lastTransitionTime : now,
    reason,
    message,
  };
}
