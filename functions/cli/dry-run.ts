import { createTwoFilesPatch } from 'diff';
import { applyPatch } from 'rfc6902';
import { stringify } from 'yaml';
import type {
  Cluster,
  KubeObject,
  LockAttempt,
  ObjectKind,
  ObjectRef,
  PatchPlan,
  ReleaseStore,
} from '../release/ports.js';
import { matchesSelector } from '../release/refs.js';
import type { AuditEvent, OperationLock, ReleaseRecord } from '../release/types.js';

const key = (ref: ObjectRef) => `${ref.kind} ${ref.namespace}/${ref.name}`;
const refOf = (o: KubeObject): ObjectRef => ({
  kind: o.kind as ObjectRef['kind'],
  namespace: o.metadata.namespace ?? 'default',
  name: o.metadata.name,
});

/** Drops server-managed fields so a diff shows only what gray would change. */
function forDiff(object: KubeObject | undefined): string {
  if (!object) return '';
  const { status: _status, ...rest } = structuredClone(object);
  const {
    resourceVersion: _rv,
    uid: _uid,
    generation: _g,
    creationTimestamp: _c,
    managedFields: _m,
    ...metadata
  } = rest.metadata;
  return stringify({ ...rest, metadata });
}

/**
 * A Cluster that reads the real one but keeps every write in an overlay, so a use case runs to the
 * end without changing anything. Deployments written here count as rolled out. `diff()` renders the
 * planned changes as a unified YAML diff per object.
 */
export class DryRunCluster implements Cluster {
  private readonly before = new Map<string, KubeObject | undefined>();
  private readonly overlay = new Map<string, KubeObject | undefined>();

  /** Wraps the real cluster, which is only read. */
  constructor(private readonly real: Cluster) {}

  /** Overlay first, then the real cluster. */
  async read(ref: ObjectRef): Promise<KubeObject | undefined> {
    const k = key(ref);
    if (this.overlay.has(k)) return structuredClone(this.overlay.get(k));
    const object = await this.real.read(ref);
    if (!this.before.has(k)) this.before.set(k, structuredClone(object));
    return object;
  }

  /** The real cluster's list with the overlay's writes applied (created, changed, deleted objects). */
  async list(kind: ObjectKind, namespace: string, labelSelector: string): Promise<KubeObject[]> {
    const found = new Map<string, KubeObject | undefined>();
    for (const object of await this.real.list(kind, namespace, labelSelector)) {
      found.set(key({ kind, namespace, name: object.metadata.name }), object);
    }
    for (const [k, object] of this.overlay) {
      if (!k.startsWith(`${kind} ${namespace}/`)) continue;
      found.set(k, object && matchesSelector(object.metadata.labels, labelSelector) ? object : undefined);
    }
    return [...found.values()].filter((o): o is KubeObject => o !== undefined).map((o) => structuredClone(o));
  }

  private async write(ref: ObjectRef, object: KubeObject | undefined): Promise<void> {
    const k = key(ref);
    if (!this.before.has(k)) this.before.set(k, await this.real.read(ref));
    if (object?.kind === 'Deployment') {
      const replicas = (object.spec as { replicas?: number }).replicas ?? 1;
      const generation = (object.metadata.generation ?? 0) + 1;
      object.metadata.generation = generation;
      object.status = {
        observedGeneration: generation,
        replicas,
        updatedReplicas: replicas,
        readyReplicas: replicas,
        availableReplicas: replicas,
      };
    }
    this.overlay.set(k, object);
  }

  /** Records the object as created. */
  async create(object: KubeObject): Promise<KubeObject> {
    await this.write(refOf(object), structuredClone(object));
    return object;
  }

  /** Applies the plan to the overlay copy. */
  async edit(ref: ObjectRef, plan: PatchPlan): Promise<KubeObject> {
    const current = await this.read(ref);
    if (!current) throw new Error(`${key(ref)} not found`);
    const ops = plan(current);
    if (ops.length > 0) {
      applyPatch(current, ops);
      await this.write(ref, current);
    }
    return current;
  }

  /** Records the object as deleted. */
  async remove(ref: ObjectRef): Promise<void> {
    await this.write(ref, undefined);
  }

  /** Unified YAML diff of every object the run would change; empty string when nothing. */
  diff(): string {
    return [...this.overlay.entries()]
      .map(([k, after]) => {
        const before = forDiff(this.before.get(k));
        const next = forDiff(after);
        return before === next
          ? ''
          : createTwoFilesPatch(`${k} (live)`, `${k} (planned)`, before, next, '', '', { context: 3 });
      })
      .filter(Boolean)
      .join('\n');
  }
}

/** A ReleaseStore that reads the real one and keeps writes in memory (dry runs). */
export class DryRunStore implements ReleaseStore {
  private readonly records = new Map<string, ReleaseRecord>();

  /** Wraps the real store, which is only read. */
  constructor(private readonly real: ReleaseStore) {}

  /** Overlay first. */
  async get(service: string): Promise<ReleaseRecord | undefined> {
    return this.records.get(service) ?? (await this.real.get(service));
  }

  /** Overlay first, then the real store. */
  async getMany(services: string[]): Promise<ReleaseRecord[]> {
    const records = await Promise.all(services.map((s) => this.get(s)));
    return records.filter((r) => r !== undefined);
  }

  /** Keeps the record in memory; no conditions (nothing is written). */
  async save(record: ReleaseRecord): Promise<void> {
    this.records.set(record.service, structuredClone(record));
  }

  /** The real lock (read only). */
  getLock(service: string): Promise<OperationLock | undefined> {
    return this.real.getLock(service);
  }

  /** Pretends to take the lock, but refuses like the real store would when someone holds it. */
  async acquireLock(service: string, lock: OperationLock, now: number): Promise<LockAttempt> {
    const holder = await this.real.getLock(service);
    if (holder && holder.expiresAt >= now && holder.operationId !== lock.operationId)
      return { acquired: false, holder };
    return { acquired: true };
  }

  /** Nothing to renew: the dry run holds no real lock. */
  async renewLock(): Promise<boolean> {
    return true;
  }

  /** Nothing to release: says it was released, as the real store would for the holder. */
  async releaseLock(): Promise<boolean> {
    return true;
  }

  /** The real store's due teardowns. */
  listDueTeardowns(now: number): Promise<ReleaseRecord[]> {
    return this.real.listDueTeardowns(now);
  }

  /** The real store's expired locks. */
  listExpiredLocks(now: number) {
    return this.real.listExpiredLocks(now);
  }

  /** Ignored. */
  async appendAudit(_event: AuditEvent): Promise<void> {}

  /** The real history. */
  history(service: string, limit: number): Promise<AuditEvent[]> {
    return this.real.history(service, limit);
  }
}
