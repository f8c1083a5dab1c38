import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type {
  ApprovalRecord,
  DecideResult,
  EnqueueResult,
  OperationRecord,
  OperationState,
  OperationStore,
  StartResult,
} from '../release/operations.js';
import type { AuditEvent, OperationLock } from '../release/types.js';
import { grayDocumentClient } from './document-client.js';
import {
  auditSortKey,
  heldByCondition,
  lockItem,
  lockTakeableCondition,
  servicePartition,
} from './dynamodb-release-store.js';
import { dueSortKey, queryDue } from './table.js';

/** Pending approvals stay readable this long after they expire, so a late click says "expired". */
const APPROVAL_RETENTION_SECONDS = 7 * 86400;

/** Due-index partition of unfinished operations. */
const OPERATION_DUE = 'OPERATION';

const operationKey = (id: string) => ({ pk: `OPERATION#${id}`, sk: 'OPERATION' });
const approvalKey = (id: string) => ({ pk: `APPROVAL#${id}`, sk: 'APPROVAL' });
const onceKey = (key: string) => ({ pk: `ONCE#${key}`, sk: 'ONCE' });

function strip<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, approvalExpiresAt, ...rest } = item;
  return (approvalExpiresAt === undefined ? rest : { ...rest, expiresAt: approvalExpiresAt }) as T;
}

/**
 * OperationStore on gray's DynamoDB table: operations (`OPERATION#<id>`), approvals (`APPROVAL#<id>`)
 * and one-shot delivery keys (`ONCE#<key>`), all with TTL on `expiresAt`; readers treat an item whose
 * TTL passed as absent, since DynamoDB deletes expired items hours late.
 */
export class DynamoDbOperationStore implements OperationStore {
  private readonly doc: DynamoDBDocumentClient;

  /** `client` may point at DynamoDB Local; `tableName` is gray's table. */
  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = grayDocumentClient(client);
  }

  /** One TransactWriteItems: operation (new), lock (free/expired/ours), delivery key (unclaimed). */
  async enqueue(
    operation: OperationRecord,
    lock: OperationLock,
    idempotencyKey: string | undefined,
    now: number,
  ): Promise<EnqueueResult> {
    const TableName = this.tableName;
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName,
                Item: {
                  ...operationKey(operation.operationId),
                  ...operation,
                  // Unfinished operations sit in the due index by their lock's end, for the sweeper.
                  gsi1pk: OPERATION_DUE,
                  gsi1sk: dueSortKey(lock.expiresAt, operation.operationId),
                },
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': 'pk' },
              },
            },
            {
              Put: {
                TableName,
                Item: lockItem(operation.service, lock),
                ...lockTakeableCondition(now, operation.operationId),
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            ...(idempotencyKey
              ? [
                  {
                    Put: {
                      TableName,
                      Item: {
                        ...onceKey(idempotencyKey),
                        operationId: operation.operationId,
                        expiresAt: now + 86400,
                      },
                      ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt < :now',
                      ExpressionAttributeNames: { '#pk': 'pk', '#expiresAt': 'expiresAt' },
                      ExpressionAttributeValues: { ':now': now },
                      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
                    },
                  },
                ]
              : []),
          ],
        }),
      );
      return { kind: 'queued' };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [opReason, lockReason, onceReason] = error.CancellationReasons ?? [];
      if (onceReason?.Code === 'ConditionalCheckFailed') {
        const old = onceReason.Item ? unmarshall(onceReason.Item) : {};
        if (old.busyHolder) return { kind: 'busy', holder: old.busyHolder as OperationLock };
        return { kind: 'duplicate', operationId: String(old.operationId ?? operation.operationId) };
      }
      if (opReason?.Code === 'ConditionalCheckFailed')
        return { kind: 'duplicate', operationId: operation.operationId };
      if (lockReason?.Code === 'ConditionalCheckFailed' && lockReason.Item) {
        const { gsi1pk: _g1, gsi1sk: _g2, ...holder } = unmarshall(lockReason.Item);
        const busy = strip<OperationLock>(holder);
        return idempotencyKey ? this.claimRefused(idempotencyKey, busy, now) : { kind: 'busy', holder: busy };
      }
      throw error;
    }
  }

  /**
   * Claims `key` for a request refused because `holder` held the lock, so a later delivery of the
   * same request (a Slack retry, a redelivered job) is refused the same way instead of running once
   * the lock is free, and returns `busy`. A key claimed meanwhile by another delivery wins: that
   * delivery's answer is returned (`duplicate` of its operation, or its own `busy`), so the user is
   * never told "busy" about a change another delivery queued.
   */
  private async claimRefused(key: string, holder: OperationLock, now: number): Promise<EnqueueResult> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...onceKey(key), busyHolder: holder, expiresAt: now + 86400 },
          ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt < :now',
          ExpressionAttributeNames: { '#pk': 'pk', '#expiresAt': 'expiresAt' },
          ExpressionAttributeValues: { ':now': now },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const old = error.Item ? unmarshall(error.Item) : {};
      if (typeof old.operationId === 'string') return { kind: 'duplicate', operationId: old.operationId };
      if (old.busyHolder) return { kind: 'busy', holder: old.busyHolder as OperationLock };
    }
    return { kind: 'busy', holder };
  }

  /**
   * One TransactWriteItems: the operation `queued` → `running` (condition on its state; its due-index
   * key moved to the new lock end) and the lock item put as `lock` (condition: held by
   * `lock.operationId`). A failed state condition wins over a failed lock one: a started operation is
   * never reported as having lost its lock.
   */
  async start(service: string, lock: OperationLock, now: number): Promise<StartResult> {
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: operationKey(lock.operationId),
                // Its due-index key moves with the renewed lock: a late-started operation is not
                // listed as stale while it runs within its budget.
                UpdateExpression: 'SET #state = :running, #updatedAt = :now, #gsi1sk = :due',
                ConditionExpression: '#state = :queued',
                ExpressionAttributeNames: {
                  '#state': 'state',
                  '#updatedAt': 'updatedAt',
                  '#gsi1sk': 'gsi1sk',
                },
                ExpressionAttributeValues: {
                  ':running': 'running',
                  ':queued': 'queued',
                  ':now': now,
                  ':due': dueSortKey(lock.expiresAt, lock.operationId),
                },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: lockItem(service, lock),
                ...heldByCondition(lock.operationId),
              },
            },
          ],
        }),
      );
      return 'started';
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [stateReason, lockReason] = error.CancellationReasons ?? [];
      if (stateReason?.Code === 'ConditionalCheckFailed') return 'not-queued';
      if (lockReason?.Code === 'ConditionalCheckFailed') return 'lock-lost';
      throw error;
    }
  }

  /** Strongly consistent GetItem; past-TTL items are absent. */
  async getOperation(operationId: string, now: number): Promise<OperationRecord | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: operationKey(operationId), ConsistentRead: true }),
    );
    if (!out.Item || (out.Item.expiresAt as number) < now) return undefined;
    return strip<OperationRecord>(out.Item);
  }

  /** Conditional UpdateItem on `state IN (from…)`. */
  async transition(
    operationId: string,
    from: OperationState[],
    to: OperationState,
    fields: Partial<Pick<OperationRecord, 'result' | 'messageTs' | 'channel'>>,
    now: number,
  ): Promise<boolean> {
    const names: Record<string, string> = { '#state': 'state', '#updatedAt': 'updatedAt' };
    const values: Record<string, unknown> = { ':to': to, ':now': now };
    const sets = ['#state = :to', '#updatedAt = :now'];
    for (const [field, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    from.forEach((state, i) => {
      values[`:from${i}`] = state;
    });
    const finished = to !== 'queued' && to !== 'running';
    if (finished) {
      names['#gsi1pk'] = 'gsi1pk';
      names['#gsi1sk'] = 'gsi1sk';
    }
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: operationKey(operationId),
          UpdateExpression: `SET ${sets.join(', ')}${finished ? ' REMOVE #gsi1pk, #gsi1sk' : ''}`,
          ConditionExpression: `#state IN (${from.map((_, i) => `:from${i}`).join(', ')})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Query of the due index (partition OPERATION) for unfinished operations whose budget ended before `now`. */
  async listStaleOperations(now: number): Promise<OperationRecord[]> {
    const items = await queryDue(this.doc, this.tableName, OPERATION_DUE, now - 1);
    return items.map((item) => {
      const { gsi1pk: _g1, gsi1sk: _g2, ...rest } = item;
      return strip<OperationRecord>(rest);
    });
  }

  /** Sets channel and message ts of an existing operation. */
  async setOperationMessage(operationId: string, channel: string, messageTs: string): Promise<void> {
    await this.setMessage(operationKey(operationId), channel, messageTs);
  }

  private async setMessage(
    key: { pk: string; sk: string },
    channel: string,
    messageTs: string,
  ): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: 'SET #channel = :channel, #messageTs = :ts',
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#channel': 'channel', '#messageTs': 'messageTs', '#pk': 'pk' },
        ExpressionAttributeValues: { ':channel': channel, ':ts': messageTs },
      }),
    );
  }

  /** One TransactWriteItems: the approval (new id only; TTL a week past its expiry) and its audit event. */
  async createApproval(approval: ApprovalRecord, audit: AuditEvent): Promise<void> {
    await this.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              Item: {
                ...approvalKey(approval.approvalId),
                ...approval,
                approvalExpiresAt: approval.expiresAt,
                expiresAt: approval.expiresAt + APPROVAL_RETENTION_SECONDS,
              },
              ConditionExpression: 'attribute_not_exists(#pk)',
              ExpressionAttributeNames: { '#pk': 'pk' },
            },
          },
          {
            Put: {
              TableName: this.tableName,
              Item: { pk: servicePartition(audit.service), sk: auditSortKey(audit), event: audit },
            },
          },
        ],
      }),
    );
  }

  /** Strongly consistent GetItem. */
  async getApproval(approvalId: string): Promise<ApprovalRecord | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: approvalKey(approvalId), ConsistentRead: true }),
    );
    if (!out.Item || (out.Item.expiresAt as number) < Math.floor(Date.now() / 1000)) return undefined;
    return strip<ApprovalRecord>(out.Item);
  }

  /** Sets channel and message ts of an approval request. */
  async setApprovalMessage(approvalId: string, channel: string, messageTs: string): Promise<void> {
    await this.setMessage(approvalKey(approvalId), channel, messageTs);
  }

  /** Conditional UpdateItem: `status = pending AND approvalExpiresAt > now`. */
  async decide(
    approvalId: string,
    decision: 'approved' | 'rejected',
    by: string,
    now: number,
  ): Promise<DecideResult> {
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: approvalKey(approvalId),
          UpdateExpression: 'SET #status = :decision, #decidedBy = :by, #decidedAt = :now',
          ConditionExpression: '#status = :pending AND #approvalExpiresAt > :now',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#decidedBy': 'decidedBy',
            '#decidedAt': 'decidedAt',
            '#approvalExpiresAt': 'approvalExpiresAt',
          },
          ExpressionAttributeValues: { ':decision': decision, ':by': by, ':now': now, ':pending': 'pending' },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { kind: 'decided', approval: strip<ApprovalRecord>(out.Attributes ?? {}) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      if (!error.Item) return { kind: 'missing' };
      const approval = strip<ApprovalRecord>(unmarshall(error.Item));
      return approval.status === 'pending'
        ? { kind: 'expired', approval }
        : { kind: 'already-decided', approval };
    }
  }

  /** Conditional PutItem of `ONCE#<key>` (unclaimed or past its TTL). */
  async claimOnce(key: string, ttlSeconds: number, now: number): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...onceKey(key), expiresAt: now + ttlSeconds },
          ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt < :now',
          ExpressionAttributeNames: { '#pk': 'pk', '#expiresAt': 'expiresAt' },
          ExpressionAttributeValues: { ':now': now },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
