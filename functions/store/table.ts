import type { CreateTableCommandInput, UpdateTimeToLiveCommandInput } from '@aws-sdk/client-dynamodb';

/** gray's single-table layout: the CreateTable input plus the TTL setting (applied right after). */
export interface GrayTableDefinition {
  createTable: CreateTableCommandInput;
  timeToLive: UpdateTimeToLiveCommandInput;
}

/** Name of the sparse GSI the sweeper queries by teardown due time. */
export const DUE_INDEX = 'gsi1';

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
