/**
 * The ports through which the release domain talks to the world. Adapters implement them:
 * `DynamoDbReleaseStore` (store/), `KubernetesCluster` (kubernetes/); tests use in-memory ones.
 */
import type { AuditEvent, OperationLock, ReleaseRecord } from './types.js';

/** Kinds of Kubernetes object gray reads or writes. */
export type ObjectKind = 'Deployment' | 'Service' | 'DestinationRule' | 'VirtualService';

/** Names one namespaced object. */
export interface ObjectRef {
  kind: ObjectKind;
  namespace: string;
  name: string;
}

/** A Kubernetes object as plain JSON; `spec`/`status` are narrowed by the istio/ editors. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [field: string]: unknown;
  };
  spec?: unknown;
  status?: unknown;
  [field: string]: unknown;
}

/** One RFC 6902 JSON Patch operation. */
export type JsonPatchOp =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string };

/** Computes the JSON Patch to apply to the freshly read object; `[]` means "nothing to change". */
export type PatchPlan = (current: KubeObject) => JsonPatchOp[];

/**
 * The cluster, as the domain sees it. Implementations retry transient faults (429, 5xx, resets)
 * within the operation's budget and translate API errors to GrayErrors.
 */
export interface Cluster {
  /** Reads an object; `undefined` when it does not exist (404). */
  read(ref: ObjectRef): Promise<KubeObject | undefined>;
  /**
   * Lists the objects of `kind` in `namespace` whose labels match `labelSelector` (Kubernetes
   * equality syntax, `k=v,k2=v2`), in one request; `[]` when none match. Never used for Services.
   */
  list(kind: ObjectKind, namespace: string, labelSelector: string): Promise<KubeObject[]>;
  /** Creates an object; throws ReleaseConflictError when it already exists (409 AlreadyExists). */
  create(object: KubeObject): Promise<KubeObject>;
  /**
   * Reads the object, asks `plan` for a guarded JSON Patch and applies it; on 409 or a failed
   * `test` op, re-reads and re-plans, at most 5 attempts, then throws ReleaseConflictError.
   * An adapter may plan the first attempt on the object as it last saw it instead of reading it,
   * provided the patch also tests that object's `metadata.resourceVersion` (so it applies only to
   * exactly what was planned on) and an empty plan is confirmed on a fresh read.
   * Throws ResourceNotFoundError when the object does not exist. Returns the object after the edit.
   */
  edit(ref: ObjectRef, plan: PatchPlan): Promise<KubeObject>;
  /** Deletes an object; a missing object is not an error. */
  remove(ref: ObjectRef): Promise<void>;
}

/**
 * Outcome of a lock attempt: taken, or held by someone else (the holder is returned for the message).
 * What the taker learns about the record from the lock item it replaced (readAhead relies on both):
 * `releasedAtVersion`, the record version the previous holder noted when it released the lock itself
 * (a commit, or a release that names the version); `alreadyHeld`, the lock was this operation's
 * already (taken earlier, such as by the Slack hand-off), so nobody else can have written since.
 * Neither is set when the lock was never held, was taken over after it expired, or was released
 * without a version.
 */
export type LockAttempt =
  | { acquired: true; releasedAtVersion?: number; alreadyHeld?: true }
  | { acquired: false; holder: OperationLock };

/** Options of ReleaseStore.save. */
export interface SaveOptions {
  /** Audit event written in the same transaction. */
  audit?: AuditEvent;
  /**
   * Releases the service lock held by this operation id in the same transaction, noting the saved
   * record's version on the released lock (LockAttempt.releasedAtVersion of the next taker).
   */
  releaseLock?: string;
  /**
   * With `releaseLock`: release only if the lock still expires at exactly this time (epoch seconds).
   * The sweeper's recovery of a stale lock passes the expiry it listed, so a late holder that renewed
   * its lock meanwhile keeps it and the recovery writes nothing.
   */
  lockExpiresAt?: number;
  /**
   * Writes only while the operation with this id holds the service lock (checked in the same
   * transaction): a mid-operation checkpoint of an operation that ran past its lease and lost the
   * lock writes nothing over the new holder. Implied by `releaseLock`.
   */
  heldBy?: string;
}

/** The release record, the per-service lock and the audit log. Record writes are conditional on `version`. */
export interface ReleaseStore {
  /** Reads a service's release record; `undefined` when gray has never seen the service. */
  get(service: string): Promise<ReleaseRecord | undefined>;
  /** Reads several services' records in one request; missing ones are left out. */
  getMany(services: string[]): Promise<ReleaseRecord[]>;
  /**
   * Writes `record` if the stored version equals `expectedVersion` (`undefined`: the record must not
   * exist yet), together with the audit event and the lock release when given (one transaction).
   * Throws ReleaseConflictError when a condition fails. The caller sets `record.version`.
   */
  save(record: ReleaseRecord, expectedVersion: number | undefined, options?: SaveOptions): Promise<void>;
  /** Reads the service's lock while held (expired ones included: the caller compares `expiresAt`). */
  getLock(service: string): Promise<OperationLock | undefined>;
  /**
   * Takes the service lock if it is free, expired (before `now`, epoch seconds) or already this
   * operation's; otherwise returns the holder.
   */
  acquireLock(service: string, lock: OperationLock, now: number): Promise<LockAttempt>;
  /** Extends the lock to `expiresAt` only if this operation still holds it; false if it was lost. */
  renewLock(service: string, operationId: string, expiresAt: number): Promise<boolean>;
  /**
   * Releases the lock if this operation holds it (no-op otherwise) and, when `lockExpiresAt` is
   * given (epoch seconds), only while it still expires then (the sweeper's recovery of a lock it
   * listed as stale: a late holder that renewed it keeps it). `recordVersion`, when given, is the
   * version of the record as this operation leaves it (it changed nothing since reading it). True
   * when this call released the lock.
   */
  releaseLock(
    service: string,
    operationId: string,
    recordVersion?: number,
    lockExpiresAt?: number,
  ): Promise<boolean>;
  /** Records whose pending teardown is due at `now` (epoch s) or earlier: a Query on the sparse due index, paged. */
  listDueTeardowns(now: number): Promise<ReleaseRecord[]>;
  /** Locks whose time budget ran out before `now` (epoch s), with their service: a Query on the due index. */
  listExpiredLocks(now: number): Promise<(OperationLock & { service: string })[]>;
  /** Appends an audit event on its own (refusals, failures before any state change). */
  appendAudit(event: AuditEvent): Promise<void>;
  /** Returns the newest `limit` audit events of a service, newest first. */
  history(service: string, limit: number): Promise<AuditEvent[]>;
}

/**
 * A Prometheus-compatible metrics store, as the canary analysis sees it (adapter:
 * prometheus/prometheus-metrics-source.ts).
 */
export interface MetricsSource {
  /**
   * Evaluates an instant PromQL query that yields one number (a scalar, or a vector of one series).
   * `atEpochSeconds` omitted means the source's own now — the real wall clock, not the release Clock,
   * since Prometheus only holds samples up to the real present. Returns undefined for no data (an
   * empty vector or NaN); ±Inf as ±Infinity. Throws MetricsUnavailableError when Prometheus cannot
   * answer (unreachable, HTTP error, bad query, several series).
   */
  query(promql: string, atEpochSeconds?: number): Promise<number | undefined>;
}

/** Time, injectable so tests control it. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** The clock's now in whole epoch seconds (the unit of every record time, lock and TTL). */
export function nowSeconds(clock: Pick<Clock, 'now'>): number {
  return Math.floor(clock.now() / 1000);
}

/** Progress of a running operation, e.g. "rolling out green: 1/3 ready". */
export interface ProgressEvent {
  service: string;
  operationId: string;
  message: string;
}
