import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ReleaseConflictError } from '../release/errors.js';
import type { LockAttempt, ReleaseStore, SaveOptions } from '../release/ports.js';
import type { AuditEvent, OperationLock, ReleaseRecord } from '../release/types.js';
import { grayDocumentClient } from './document-client.js';
import { dueSortKey, queryDue } from './table.js';

const RELEASE_SK = 'RELEASE';
const LOCK_SK = 'LOCK';
/** Partition value of the sparse due-time index for pending teardowns. */
export const TEARDOWN_DUE = 'TEARDOWN';

/** `SERVICE#<name>`: the partition holding a service's record and audit log. */
export function servicePartition(service: string): string {
  return `SERVICE#${service}`;
}

/** Sort key of an audit event: time-ordered (epoch ms, zero-padded) then unique by id. */
export function auditSortKey(event: AuditEvent): string {
  return `AUDIT#${String(event.at).padStart(15, '0')}#${event.id}`;
}

/** Partition value of the due index for service locks (the sweeper finds stale ones by expiry). */
export const LOCK_DUE = 'LOCK';

/** The lock item: the lock's fields plus due-index keys by expiry, so stale locks are found by Query. */
export function lockItem(service: string, lock: OperationLock): Record<string, unknown> {
  return {
    pk: servicePartition(service),
    sk: LOCK_SK,
    ...lock,
    gsi1pk: LOCK_DUE,
    gsi1sk: dueSortKey(lock.expiresAt, service),
  };
}

/**
 * The lock item once its holder released it: no holder, no due-index keys, and the version of the
 * record the holder left, so the next taker can trust a record it read in parallel. `expiresAt` is
 * the release time (epoch seconds), so a gray from before released locks existed reads it as an
 * expired lock (free), and TTL eventually removes it (the next taker then just reads again).
 */
function releasedLockItem(service: string, recordVersion: number): Record<string, unknown> {
  return {
    pk: servicePartition(service),
    sk: LOCK_SK,
    releasedAtVersion: recordVersion,
    expiresAt: Math.floor(Date.now() / 1000),
  };
}

/**
 * The condition that the lock item is held by `operationId` (and, when given, still expires at
 * `expiresAt`, epoch seconds): what a release of the lock requires, and a worker's start of a queued
 * operation (DynamoDbOperationStore.start).
 */
export function heldByCondition(operationId: string, expiresAt?: number) {
  const anyExpiry = expiresAt === undefined;
  return {
    ConditionExpression: anyExpiry
      ? '#operationId = :operationId'
      : '#operationId = :operationId AND #expiresAt = :expiresAt',
    ExpressionAttributeNames: {
      '#operationId': 'operationId',
      ...(anyExpiry ? {} : { '#expiresAt': 'expiresAt' }),
    },
    ExpressionAttributeValues: {
      ':operationId': operationId,
      ...(anyExpiry ? {} : { ':expiresAt': expiresAt }),
    },
  };
}

/**
 * The condition under which `operationId` may put the lock item at `now` (epoch seconds): nobody
 * holds it (no item, or a released one), its holder's budget ran out, or it is already this operation's.
 * Every writer of the lock item uses it (acquireLock, the operation store's enqueue).
 */
export function lockTakeableCondition(now: number, operationId: string) {
  return {
    ConditionExpression:
      'attribute_not_exists(#operationId) OR #expiresAt < :now OR #operationId = :operationId',
    ExpressionAttributeNames: { '#expiresAt': 'expiresAt', '#operationId': 'operationId' },
    ExpressionAttributeValues: { ':now': now, ':operationId': operationId },
  };
}

/** The release item: the record as a map, `version` on top for conditions, due-index keys when a teardown is pending. */
function releaseItem(record: ReleaseRecord): Record<string, unknown> {
  return {
    pk: servicePartition(record.service),
    sk: RELEASE_SK,
    version: record.version,
    record,
    ...(record.teardown
      ? {
          gsi1pk: TEARDOWN_DUE,
          gsi1sk: dueSortKey(record.teardown.dueAt, record.service),
        }
      : {}),
  };
}

function isConditionFailure(error: unknown): boolean {
  if (error instanceof ConditionalCheckFailedException) return true;
  return (
    error instanceof TransactionCanceledException &&
    (error.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed')
  );
}

/** True when a cancelled transaction failed the condition of its last item (the lock check of a save). */
function lastConditionFailed(error: unknown): boolean {
  if (!(error instanceof TransactionCanceledException)) return false;
  return error.CancellationReasons?.at(-1)?.Code === 'ConditionalCheckFailed';
}

/**
 * ReleaseStore on one DynamoDB table (layout: functions/store/table.ts). Every record write is
 * conditional on `version` (expression attribute names always); a record change and its audit event
 * go in one TransactWriteItems. A failed condition becomes ReleaseConflictError.
 */
export class DynamoDbReleaseStore implements ReleaseStore {
  private readonly doc: DynamoDBDocumentClient;

  /** `client` may point anywhere (DynamoDB Local in tests); `tableName` is the gray table. */
  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = grayDocumentClient(client);
  }

  /** One strongly consistent GetItem. */
  async get(service: string): Promise<ReleaseRecord | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: servicePartition(service), sk: RELEASE_SK },
        ConsistentRead: true,
      }),
    );
    return out.Item?.record as ReleaseRecord | undefined;
  }

  /** One BatchGetItem (strongly consistent) for up to 100 services; unprocessed keys are retried. */
  async getMany(services: string[]): Promise<ReleaseRecord[]> {
    const records: ReleaseRecord[] = [];
    for (let i = 0; i < services.length; i += 100) {
      let keys = services.slice(i, i + 100).map((s) => ({ pk: servicePartition(s), sk: RELEASE_SK }));
      while (keys.length > 0) {
        const out = await this.doc.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of out.Responses?.[this.tableName] ?? []) records.push(item.record as ReleaseRecord);
        keys = (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as typeof keys;
      }
    }
    return records;
  }

  /**
   * Conditional PutItem, or one TransactWriteItems with the audit event, the lock release or the
   * check that the lock is still held (`heldBy`). Throws ReleaseConflictError when the version (or
   * the lock holder) is not as expected; its message says so when it was the lock.
   */
  async save(
    record: ReleaseRecord,
    expectedVersion: number | undefined,
    options: SaveOptions = {},
  ): Promise<void> {
    const condition: {
      ConditionExpression: string;
      ExpressionAttributeNames: Record<string, string>;
      ExpressionAttributeValues?: Record<string, unknown>;
    } =
      expectedVersion === undefined
        ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': 'pk' } }
        : {
            ConditionExpression: '#version = :expected',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':expected': expectedVersion },
          };
    const { audit, releaseLock, lockExpiresAt } = options;
    // `releaseLock` already makes the lock item's Put conditional on the holder; an item may appear
    // only once in a transaction, so the separate check is for a save that keeps the lock.
    const heldBy = releaseLock === undefined ? options.heldBy : undefined;
    try {
      if (!audit && releaseLock === undefined && heldBy === undefined) {
        await this.doc.send(
          new PutCommand({ TableName: this.tableName, Item: releaseItem(record), ...condition }),
        );
        return;
      }
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.tableName, Item: releaseItem(record), ...condition } },
            ...(audit
              ? [
                  {
                    Put: {
                      TableName: this.tableName,
                      Item: { pk: servicePartition(audit.service), sk: auditSortKey(audit), event: audit },
                      ConditionExpression: 'attribute_not_exists(#pk)',
                      ExpressionAttributeNames: { '#pk': 'pk' },
                    },
                  },
                ]
              : []),
            ...(releaseLock !== undefined
              ? [
                  {
                    Put: {
                      TableName: this.tableName,
                      Item: releasedLockItem(record.service, record.version),
                      ...heldByCondition(releaseLock, lockExpiresAt),
                    },
                  },
                ]
              : []),
            ...(heldBy !== undefined
              ? [
                  {
                    ConditionCheck: {
                      TableName: this.tableName,
                      Key: { pk: servicePartition(record.service), sk: LOCK_SK },
                      ...heldByCondition(heldBy),
                    },
                  },
                ]
              : []),
          ],
        }),
      );
    } catch (error) {
      if (heldBy !== undefined && lastConditionFailed(error)) {
        throw new ReleaseConflictError(
          `${record.service}: this operation no longer holds the service lock (it ran past its time budget and another operation took over), so it recorded nothing more — check /gray status ${record.service}`,
          { cause: error },
        );
      }
      if (isConditionFailure(error)) {
        const expected = expectedVersion === undefined ? 'no record yet' : `version ${expectedVersion}`;
        throw new ReleaseConflictError(
          `${record.service}: the release record changed under this operation (expected ${expected}); another operation won — check /gray status and retry`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** GetItem of the lock item (strongly consistent); a released lock item reads as no lock. */
  async getLock(service: string): Promise<OperationLock | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: servicePartition(service), sk: LOCK_SK },
        ConsistentRead: true,
      }),
    );
    if (out.Item?.operationId === undefined) return undefined;
    const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ...lock } = out.Item;
    return lock as OperationLock;
  }

  /**
   * Conditional PutItem of the lock: free (no item, or released), expired (`expiresAt` < now, epoch
   * seconds) or already ours. The old item comes back either way (ReturnValues, and
   * ReturnValuesOnConditionCheckFailure): a released one gives `releasedAtVersion`, our own
   * `alreadyHeld`, someone else's the holder.
   */
  async acquireLock(service: string, lock: OperationLock, now: number): Promise<LockAttempt> {
    try {
      const out = await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: lockItem(service, lock),
          ...lockTakeableCondition(now, lock.operationId),
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      const old = out.Attributes;
      if (old?.operationId === lock.operationId) return { acquired: true, alreadyHeld: true };
      return old?.operationId === undefined && typeof old?.releasedAtVersion === 'number'
        ? { acquired: true, releasedAtVersion: old.releasedAtVersion }
        : { acquired: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const holder = error.Item
        ? (unmarshall(error.Item) as OperationLock & { pk?: string; sk?: string })
        : await this.getLock(service);
      if (!holder) return this.acquireLock(service, lock, now);
      const {
        pk: _pk,
        sk: _sk,
        gsi1pk: _g1,
        gsi1sk: _g2,
        ...rest
      } = holder as OperationLock & Record<string, unknown>;
      return { acquired: false, holder: rest };
    }
  }

  /** Conditional UpdateItem on the holder's operation id: extends the budget (and its due-index key). */
  async renewLock(service: string, operationId: string, expiresAt: number): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: servicePartition(service), sk: LOCK_SK },
          UpdateExpression: 'SET #expiresAt = :expiresAt, #gsi1sk = :due',
          ConditionExpression: '#operationId = :operationId',
          ExpressionAttributeNames: {
            '#expiresAt': 'expiresAt',
            '#gsi1sk': 'gsi1sk',
            '#operationId': 'operationId',
          },
          ExpressionAttributeValues: {
            ':expiresAt': expiresAt,
            ':due': dueSortKey(expiresAt, service),
            ':operationId': operationId,
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Only the holder's operation id releases the lock: a conditional PutItem of the released lock item
   * noting `recordVersion`, or a conditional DeleteItem when the version is not known.
   */
  async releaseLock(
    service: string,
    operationId: string,
    recordVersion?: number,
    lockExpiresAt?: number,
  ): Promise<boolean> {
    const condition = { TableName: this.tableName, ...heldByCondition(operationId, lockExpiresAt) };
    try {
      if (recordVersion === undefined) {
        await this.doc.send(
          new DeleteCommand({ ...condition, Key: { pk: servicePartition(service), sk: LOCK_SK } }),
        );
      } else {
        await this.doc.send(new PutCommand({ ...condition, Item: releasedLockItem(service, recordVersion) }));
      }
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return false;
    }
  }

  /** Query of the sparse due index (partition TEARDOWN), following LastEvaluatedKey; never a Scan. */
  async listDueTeardowns(now: number): Promise<ReleaseRecord[]> {
    return (await queryDue(this.doc, this.tableName, TEARDOWN_DUE, now)).map(
      (item) => item.record as ReleaseRecord,
    );
  }

  /** Query of the due index (partition LOCK) for locks whose budget ended before `now`. */
  async listExpiredLocks(now: number): Promise<(OperationLock & { service: string })[]> {
    return (await queryDue(this.doc, this.tableName, LOCK_DUE, now - 1)).map((item) => {
      const { pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ...lock } = item;
      return { ...(lock as unknown as OperationLock), service: String(pk).slice('SERVICE#'.length) };
    });
  }

  /** Appends one audit event (unconditional on the record; unique by time and id). */
  async appendAudit(event: AuditEvent): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: servicePartition(event.service), sk: auditSortKey(event), event },
      }),
    );
  }

  /** Query of the service partition's AUDIT# items, newest first, at most `limit`. */
  async history(service: string, limit: number): Promise<AuditEvent[]> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :audit)',
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
        ExpressionAttributeValues: { ':pk': servicePartition(service), ':audit': 'AUDIT#' },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((item) => item.event as AuditEvent);
  }
}
