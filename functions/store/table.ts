import type { CreateTableCommandInput, UpdateTimeToLiveCommandInput } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';

/** gray's single-table layout: the CreateTable input plus the TTL setting (applied right after). */
export interface GrayTableDefinition {
  createTable: CreateTableCommandInput;
  timeToLive: UpdateTimeToLiveCommandInput;
}

/** Name of the sparse GSI the sweeper queries by teardown due time. */
export const DUE_INDEX = 'gsi1';

/** A due-index sort key: epoch seconds zero-padded to 12 digits (text order is time order), then `#id`. */
export function dueSortKey(epochSeconds: number, id: string): string {
  return `${String(epochSeconds).padStart(12, '0')}#${id}`;
}

/**
 * Every item of the due index's `partition` due at or before `now` (epoch seconds), following
 * LastEvaluatedKey; a Query, never a Scan.
 */
export async function queryDue(
  doc: DynamoDBDocumentClient,
  tableName: string,
  partition: string,
  now: number,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: DUE_INDEX,
        KeyConditionExpression: '#gsi1pk = :partition AND #gsi1sk <= :due',
        ExpressionAttributeNames: { '#gsi1pk': 'gsi1pk', '#gsi1sk': 'gsi1sk' },
        // '~' sorts after every id character, so every item due at `now` is included.
        ExpressionAttributeValues: { ':partition': partition, ':due': dueSortKey(now, '~') },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * The production table layout, in one place (serverless.yml mirrors it): `pk`/`sk` (S) keys; sparse
 * GSI `gsi1` on `gsi1pk`/`gsi1sk` (S, projection ALL) queried by due time; on-demand billing; TTL on
 * `expiresAt` (epoch seconds).
 */
export function grayTableDefinition(tableName: string): GrayTableDefinition {
  return {
    createTable: {
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'gsi1pk', AttributeType: 'S' },
        { AttributeName: 'gsi1sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: DUE_INDEX,
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    },
    timeToLive: {
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    },
  };
}
