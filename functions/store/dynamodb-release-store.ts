import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { ReleaseConflictError } from '../release/errors.js';
import type { ReleaseStore } from '../release/ports.js';
import type { AuditEvent, ReleaseRecord } from '../release/types.js';

const RELEASE_SK = 'RELEASE';
/** Partition value of the sparse due-time index for pending teardowns. */
export const TEARDOWN_DUE = 'TEARDOWN';

/** `SERVICE#<name>`: the partition holding a service's record and audit log. */
export function servicePartition(service: string): string {
  return `SERVICE#${service}`;
}

/** Sort key of an audit event: time-ordered (epoch ms, zero-padded) then unique by id. */
function auditSortKey(event: AuditEvent): string {
  return `AUDIT#${String(event.at).padStart(15, '0')}#${event.id}`;
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
          gsi1sk: `${String(record.teardown.dueAt).padStart(12, '0')}#${record.service}`,
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
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
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

  /** Conditional PutItem (or a two-item transaction with the audit event). Throws ReleaseConflictError. */
  async save(record: ReleaseRecord, expectedVersion: number | undefined, audit?: AuditEvent): Promise<void> {
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
    try {
      if (!audit) {
        await this.doc.send(
          new PutCommand({ TableName: this.tableName, Item: releaseItem(record), ...condition }),
        );
        return;
      }
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.tableName, Item: releaseItem(record), ...condition } },
            {
              Put: {
                TableName: this.tableName,
                Item: { pk: servicePartition(audit.service), sk: auditSortKey(audit), event: audit },
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': 'pk' },
              },
            },
          ],
        }),
      );
    } catch (error) {
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
