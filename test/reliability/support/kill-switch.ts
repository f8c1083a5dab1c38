// Simulated worker death: every port the worker uses (cluster, release store, operation store, reporter)
// goes through one switch that counts writes; once `killAfter` writes have happened, every further call —
// write or read — hangs forever, so nothing else the dead worker would have done (catch, finally, lock
// release, failure record) ever happens. The operation is then abandoned, as Lambda abandons a killed one.
import type { ServiceConfig } from '../../../functions/config.js';
import type { OperationStore } from '../../../functions/release/operations.js';
import type { Cluster, ReleaseStore } from '../../../functions/release/ports.js';
import type { OperationReporter } from '../../../functions/release/run-queued.js';

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/**
 * Counts writes and hangs every call after the `killAfter`-th write (Infinity: never), or after the first
 * write whose name `killAfter` accepts.
 */
export class KillSwitch {
  /** Names of the writes that happened, in order (`cluster edit VirtualService x`, `store save`…). */
  readonly steps: string[] = [];
  private died?: () => void;
  /** Resolves when the switch first hangs a call: the worker is dead from then on. */
  readonly dead: Promise<void> = new Promise((resolve) => {
    this.died = resolve;
  });
  /** True once a call was hung. */
  killed = false;
  /** The write that was about to happen when the worker died. */
  killedAt?: string;

  private limit: number;

  /** `killAfter` writes succeed (or the writes up to the first one it accepts); the next call hangs. */
  constructor(private readonly killAfter: number | ((step: string) => boolean)) {
    this.limit = typeof killAfter === 'number' ? killAfter : Number.POSITIVE_INFINITY;
  }

  /** Runs a write unless the worker is dead (then it never settles). */
  write<T>(name: string, run: () => Promise<T>): Promise<T> {
    if (this.killed || this.steps.length >= this.limit) return this.kill(name);
    this.steps.push(name);
    if (typeof this.killAfter === 'function' && this.killAfter(name)) this.limit = this.steps.length;
    return run();
  }

  /** Runs a read unless the worker is dead. */
  read<T>(run: () => Promise<T>): Promise<T> {
    return this.killed ? never() : run();
  }

  private kill<T>(name: string): Promise<T> {
    if (!this.killed) {
      this.killed = true;
      this.killedAt = name;
      this.died?.();
    }
    return never();
  }
}

/** The cluster as a dying worker sees it: create/edit/remove are writes. */
export function killableCluster(cluster: Cluster, sw: KillSwitch): Cluster {
  return {
    read: (ref) => sw.read(() => cluster.read(ref)),
    list: (kind, namespace, selector) => sw.read(() => cluster.list(kind, namespace, selector)),
    create: (object) =>
      sw.write(`cluster create ${object.kind} ${object.metadata.name}`, () => cluster.create(object)),
    edit: (ref, plan) => sw.write(`cluster edit ${ref.kind} ${ref.name}`, () => cluster.edit(ref, plan)),
    remove: (ref) => sw.write(`cluster delete ${ref.kind} ${ref.name}`, () => cluster.remove(ref)),
  };
}

/** `clusterFor` of a dying worker. */
export function killableClusterFor(clusterFor: (s: ServiceConfig) => Cluster, sw: KillSwitch) {
  return (service: ServiceConfig) => killableCluster(clusterFor(service), sw);
}

/** The release store as a dying worker sees it: save and the lock calls are writes. */
export function killableReleaseStore(store: ReleaseStore, sw: KillSwitch): ReleaseStore {
  return {
    get: (service) => sw.read(() => store.get(service)),
    getMany: (services) => sw.read(() => store.getMany(services)),
    getLock: (service) => sw.read(() => store.getLock(service)),
    history: (service, limit) => sw.read(() => store.history(service, limit)),
    listDueTeardowns: (now) => sw.read(() => store.listDueTeardowns(now)),
    listExpiredLocks: (now) => sw.read(() => store.listExpiredLocks(now)),
    save: (record, expected, options) =>
      sw.write(`store save v${record.version}${options?.releaseLock ? ' + release lock' : ''}`, () =>
        store.save(record, expected, options),
      ),
    acquireLock: (service, lock, now) =>
      sw.write('store acquire lock', () => store.acquireLock(service, lock, now)),
    renewLock: (service, id, expiresAt) =>
      sw.write('store renew lock', () => store.renewLock(service, id, expiresAt)),
    releaseLock: (service, id, version, expiresAt) =>
      sw.write('store release lock', () => store.releaseLock(service, id, version, expiresAt)),
    appendAudit: (event) => sw.write(`store audit ${event.result}`, () => store.appendAudit(event)),
  };
}

/** The operation store as a dying worker sees it: everything but the two reads is a write. */
export function killableOperationStore(operations: OperationStore, sw: KillSwitch): OperationStore {
  return {
    getOperation: (id, now) => sw.read(() => operations.getOperation(id, now)),
    getApproval: (id) => sw.read(() => operations.getApproval(id)),
    listStaleOperations: (now) => sw.read(() => operations.listStaleOperations(now)),
    enqueue: (operation, lock, key, now) =>
      sw.write('operation enqueue', () => operations.enqueue(operation, lock, key, now)),
    start: (service, lock, now) =>
      sw.write('operation queued → running + lock', () => operations.start(service, lock, now)),
    transition: (id, from, to, fields, now) =>
      sw.write(`operation ${from.join('|')} → ${to}`, () => operations.transition(id, from, to, fields, now)),
    setOperationMessage: (id, channel, ts) =>
      sw.write('operation message ts', () => operations.setOperationMessage(id, channel, ts)),
    createApproval: (approval, audit) =>
      sw.write('approval create', () => operations.createApproval(approval, audit)),
    setApprovalMessage: (id, channel, ts) =>
      sw.write('approval message ts', () => operations.setApprovalMessage(id, channel, ts)),
    decide: (id, decision, by, now) =>
      sw.write('approval decide', () => operations.decide(id, decision, by, now)),
    claimOnce: (key, ttl, now) => sw.write('claim once', () => operations.claimOnce(key, ttl, now)),
  };
}

/** The Slack reporter of a dying worker: each report (post or edit of the message) is a write. */
export function killableReporter(reporter: OperationReporter, sw: KillSwitch): OperationReporter {
  return {
    report: (operation, update) =>
      sw.write(`slack report ${update.state}`, () => reporter.report(operation, update)),
  };
}
