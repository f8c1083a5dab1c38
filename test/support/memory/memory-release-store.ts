import { ReleaseConflictError } from '../../../functions/release/errors.js';
import type { LockAttempt, ReleaseStore, SaveOptions } from '../../../functions/release/ports.js';
import type { AuditEvent, OperationLock, ReleaseRecord } from '../../../functions/release/types.js';

/** In-memory ReleaseStore for domain tests: same version-conditional semantics as DynamoDbReleaseStore. */
export class MemoryReleaseStore implements ReleaseStore {
  readonly records = new Map<string, ReleaseRecord>();
  readonly audit: AuditEvent[] = [];
  readonly locks = new Map<string, OperationLock>();
  /** Record version noted by the last release of each service's lock (the released lock item). */
  readonly released = new Map<string, number>();
  /** Number of save() calls, accepted or not. */
  saves = 0;

  /** Returns a copy so callers cannot mutate the stored record. */
  async get(service: string): Promise<ReleaseRecord | undefined> {
    const record = this.records.get(service);
    return record ? structuredClone(record) : undefined;
  }

  /** Copies of the records that exist. */
  async getMany(services: string[]): Promise<ReleaseRecord[]> {
    return services.flatMap((s) => (this.records.has(s) ? [structuredClone(this.records.get(s)!)] : []));
  }

  /** Conditional on version; throws ReleaseConflictError like the DynamoDB store. */
  async save(
    record: ReleaseRecord,
    expectedVersion: number | undefined,
    options: SaveOptions = {},
  ): Promise<void> {
    this.saves++;
    const current = this.records.get(record.service);
    const lock = this.locks.get(record.service);
    // As DynamoDB: `heldBy` is its own check only when the save keeps the lock, and says so.
    if (
      options.releaseLock === undefined &&
      options.heldBy !== undefined &&
      lock?.operationId !== options.heldBy
    ) {
      throw new ReleaseConflictError(
        `${record.service}: this operation no longer holds the service lock (it ran past its time budget and another operation took over), so it recorded nothing more — check /gray status ${record.service}`,
      );
    }
    if (
      (expectedVersion === undefined ? current !== undefined : current?.version !== expectedVersion) ||
      (options.releaseLock !== undefined && lock?.operationId !== options.releaseLock) ||
      (options.lockExpiresAt !== undefined && lock?.expiresAt !== options.lockExpiresAt)
    ) {
      throw new ReleaseConflictError(`${record.service}: the release record changed under this operation`);
    }
    this.records.set(record.service, structuredClone(record));
    if (options.audit) this.audit.push(structuredClone(options.audit));
    if (options.releaseLock !== undefined) {
      this.locks.delete(record.service);
      this.released.set(record.service, record.version);
    }
  }

  /** The lock item, if any. */
  async getLock(service: string): Promise<OperationLock | undefined> {
    const lock = this.locks.get(service);
    return lock ? structuredClone(lock) : undefined;
  }

  /** Same rule as DynamoDB: free, expired before `now`, or already ours; tells what the replaced lock says of the record. */
  async acquireLock(service: string, lock: OperationLock, now: number): Promise<LockAttempt> {
    const holder = this.locks.get(service);
    if (holder && holder.expiresAt >= now && holder.operationId !== lock.operationId) {
      return { acquired: false, holder: structuredClone(holder) };
    }
    const releasedAtVersion = holder ? undefined : this.released.get(service);
    this.locks.set(service, structuredClone(lock));
    this.released.delete(service);
    if (holder?.operationId === lock.operationId) return { acquired: true, alreadyHeld: true };
    return releasedAtVersion === undefined ? { acquired: true } : { acquired: true, releasedAtVersion };
  }

  /** Extends the lock if `operationId` still holds it. */
  async renewLock(service: string, operationId: string, expiresAt: number): Promise<boolean> {
    const lock = this.locks.get(service);
    if (lock?.operationId !== operationId) return false;
    this.locks.set(service, { ...lock, expiresAt });
    return true;
  }

  /** Deletes the lock if `operationId` holds it (expiring at `lockExpiresAt`, when given), noting `recordVersion`. */
  async releaseLock(
    service: string,
    operationId: string,
    recordVersion?: number,
    lockExpiresAt?: number,
  ): Promise<boolean> {
    const lock = this.locks.get(service);
    if (lock?.operationId !== operationId) return false;
    if (lockExpiresAt !== undefined && lock.expiresAt !== lockExpiresAt) return false;
    this.locks.delete(service);
    if (recordVersion !== undefined) this.released.set(service, recordVersion);
    return true;
  }

  /** Records with a teardown due at or before `now`. */
  async listDueTeardowns(now: number): Promise<ReleaseRecord[]> {
    return [...this.records.values()]
      .filter((r) => r.teardown && r.teardown.dueAt <= now)
      .map((r) => structuredClone(r));
  }

  /** Locks that expired before `now`. */
  async listExpiredLocks(now: number) {
    return [...this.locks.entries()]
      .filter(([, l]) => l.expiresAt < now)
      .map(([service, l]) => ({ ...structuredClone(l), service }));
  }

  /** Appends an event. */
  async appendAudit(event: AuditEvent): Promise<void> {
    this.audit.push(structuredClone(event));
  }

  /** Newest first. */
  async history(service: string, limit: number): Promise<AuditEvent[]> {
    return this.audit
      .filter((e) => e.service === service)
      .sort((a, b) => b.at - a.at)
      .slice(0, limit);
  }
}
