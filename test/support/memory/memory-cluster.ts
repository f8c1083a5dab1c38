import { applyPatch } from 'rfc6902';
import { ReleaseConflictError, ResourceNotFoundError } from '../../../functions/release/errors.js';
import type {
  Cluster,
  KubeObject,
  ObjectKind,
  ObjectRef,
  PatchPlan,
} from '../../../functions/release/ports.js';
import { matchesSelector } from '../../../functions/release/refs.js';

const key = (ref: ObjectRef) => `${ref.kind}/${ref.namespace}/${ref.name}`;

/**
 * In-memory Cluster for domain tests. Objects are plain JSON; edits apply the planned JSON Patch with
 * rfc6902 (a failing `test` op throws, as the API server's 422 would). Deployments become ready at
 * once unless their image contains a string from `brokenImages`. `writes` logs every change.
 */
export class MemoryCluster implements Cluster {
  readonly objects = new Map<string, KubeObject>();
  readonly writes: { verb: 'create' | 'patch' | 'delete'; ref: string; body?: unknown }[] = [];
  readonly brokenImages = new Set<string>();
  private resourceVersion = 1;

  /** Stores an object as-is (seed fixtures, hand edits); bumps resourceVersion. */
  put(object: KubeObject): void {
    const copy = structuredClone(object);
    copy.metadata.resourceVersion = String(++this.resourceVersion);
    this.settle(copy);
    this.objects.set(
      key({
        kind: copy.kind as ObjectRef['kind'],
        namespace: copy.metadata.namespace ?? 'default',
        name: copy.metadata.name,
      }),
      copy,
    );
  }

  /** Returns a copy of the stored object. */
  get(ref: ObjectRef): KubeObject | undefined {
    const found = this.objects.get(key(ref));
    return found ? structuredClone(found) : undefined;
  }

  private settle(object: KubeObject): void {
    if (object.kind !== 'Deployment') return;
    const spec = object.spec as {
      replicas?: number;
      template?: { spec?: { containers?: { image?: string }[] } };
    };
    const image = spec.template?.spec?.containers?.[0]?.image ?? '';
    const desired = spec.replicas ?? 1;
    const generation = (object.metadata.generation ?? 0) + 1;
    object.metadata.generation = generation;
    const broken = [...this.brokenImages].some((b) => image.includes(b));
    object.status = broken
      ? {
          observedGeneration: generation,
          replicas: desired,
          updatedReplicas: desired,
          readyReplicas: 0,
          availableReplicas: 0,
          conditions: [
            {
              type: 'Progressing',
              status: 'False',
              reason: 'ProgressDeadlineExceeded',
              message: 'timed out',
            },
          ],
        }
      : {
          observedGeneration: generation,
          replicas: desired,
          updatedReplicas: desired,
          readyReplicas: desired,
          availableReplicas: desired,
        };
  }

  /** Copy of the object or undefined. */
  async read(ref: ObjectRef): Promise<KubeObject | undefined> {
    return this.get(ref);
  }

  /** Copies of the stored objects of `kind` in `namespace` whose labels match the selector. */
  async list(kind: ObjectKind, namespace: string, labelSelector: string): Promise<KubeObject[]> {
    return [...this.objects.values()]
      .filter(
        (o) =>
          o.kind === kind &&
          (o.metadata.namespace ?? 'default') === namespace &&
          matchesSelector(o.metadata.labels, labelSelector),
      )
      .map((o) => structuredClone(o));
  }

  /** Creates; ReleaseConflictError when present. */
  async create(object: KubeObject): Promise<KubeObject> {
    const ref = {
      kind: object.kind as ObjectRef['kind'],
      namespace: object.metadata.namespace ?? 'default',
      name: object.metadata.name,
    };
    if (this.objects.has(key(ref))) throw new ReleaseConflictError(`${key(ref)} already exists`);
    this.writes.push({ verb: 'create', ref: key(ref), body: object });
    this.put(object);
    return this.get(ref)!;
  }

  /** Applies the planned patch; throws if a `test` op fails (no retries here: the domain sees it). */
  async edit(ref: ObjectRef, plan: PatchPlan): Promise<KubeObject> {
    const current = this.get(ref);
    if (!current) throw new ResourceNotFoundError(ref.kind, ref.namespace, ref.name);
    const ops = plan(current);
    if (ops.length === 0) return current;
    const errors = applyPatch(current, ops).filter((e) => e !== null);
    if (errors.length > 0) throw new ReleaseConflictError(`${key(ref)}: patch failed: ${errors[0]?.message}`);
    this.writes.push({ verb: 'patch', ref: key(ref), body: ops });
    this.put(current);
    return this.get(ref)!;
  }

  /** Deletes if present. */
  async remove(ref: ObjectRef): Promise<void> {
    if (this.objects.delete(key(ref))) this.writes.push({ verb: 'delete', ref: key(ref) });
  }
}
