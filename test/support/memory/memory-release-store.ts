import { ReleaseConflictError } from '../../../functions/release/errors.js';
import type { ReleaseStore } from '../../../functions/release/ports.js';
import type { AuditEvent, ReleaseRecord } from '../../../functions/release/types.js';

/** In-memory ReleaseStore for domain tests: same version-conditional semantics as DynamoDbReleaseStore. */
export class MemoryReleaseStore implements ReleaseStore {
  readonly records = new Map<string, ReleaseRecord>();
  readonly audit: AuditEvent[] = [];
  /** Number of save() calls, accepted or not. */
  saves = 0;

  /** Returns a copy so callers cannot mutate the stored record. */
  async get(service: string): Promise<ReleaseRecord | undefined> {
    const record = this.records.get(service);
    return record ? structuredClone(record) : undefined;
  }

  /** Conditional on version; throws ReleaseConflictError like the DynamoDB store. */
  async save(record: ReleaseRecord, expectedVersion: number | undefined, audit?: AuditEvent): Promise<void> {
    this.saves++;
    const current = this.records.get(record.service);
    if (expectedVersion === undefined ? current !== undefined : current?.version !== expectedVersion) {
      throw new ReleaseConflictError(`${record.service}: the release record changed under this operation`);
    }
    this.records.set(record.service, structuredClone(record));
    if (audit) this.audit.push(structuredClone(audit));
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
