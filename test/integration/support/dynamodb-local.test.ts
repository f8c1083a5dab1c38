import { ConditionalCheckFailedException, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestTable, grayTableDefinition, type TestTable } from '../../support/dynamodb-table.js';

describe('DynamoDB Local test table', () => {
  let table: TestTable;

  beforeAll(async () => {
    table = await createTestTable(inject('dynamoEndpoint'), 'support-test');
  });

  afterAll(async () => {
    await table.drop();
  });

  it('creates the table with the gray layout and TTL on expiresAt', async () => {
    // Prepare / Act
    const described = await table.client.send(new DescribeTimeToLiveCommand({ TableName: table.tableName }));

    // Assess
    expect(table.tableName).toMatch(/^support-test-[0-9a-z]+-[0-9a-f]{8}$/);
    expect(described.TimeToLiveDescription).toEqual({
      AttributeName: 'expiresAt',
      TimeToLiveStatus: 'ENABLED',
    });
    expect(grayTableDefinition('t').createTable.GlobalSecondaryIndexes?.[0]?.IndexName).toBe('gsi1');
  });

  it('refuses a conditional put on an existing key with ConditionalCheckFailedException', async () => {
    // Prepare
    const item = { pk: 'RELEASE#address-service', sk: 'STATE', version: 1 };
    await table.doc.send(new PutCommand({ TableName: table.tableName, Item: item }));

    // Act
    const attempt = table.doc.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { ...item, version: 2 },
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':expected': 7 },
      }),
    );

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    const stored = await table.doc.send(
      new GetCommand({ TableName: table.tableName, Key: { pk: item.pk, sk: item.sk } }),
    );
    expect(stored.Item).toEqual(item);
  });

  it('writes several items atomically with TransactWrite, or none when one condition fails', async () => {
    // Prepare
    const put = (sk: string) => ({
      Put: {
        TableName: table.tableName,
        Item: { pk: 'TX#1', sk },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });

    // Act
    await table.doc.send(new TransactWriteCommand({ TransactItems: [put('A'), put('B')] }));
    const repeat = table.doc.send(new TransactWriteCommand({ TransactItems: [put('C'), put('A')] }));

    // Assess
    await expect(repeat).rejects.toMatchObject({ name: 'TransactionCanceledException' });
    const items = await table.doc.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'TX#1' },
      }),
    );
    expect(items.Items).toEqual([
      { pk: 'TX#1', sk: 'A' },
      { pk: 'TX#1', sk: 'B' },
    ]);
  });

  it('returns only the items that carry gsi1 keys from a gsi1 query, in gsi1sk order', async () => {
    // Prepare
    const items = [
      { pk: 'RELEASE#a', sk: 'STATE', gsi1pk: 'TEARDOWN', gsi1sk: '1700000300#a' },
      { pk: 'RELEASE#b', sk: 'STATE' },
      { pk: 'RELEASE#c', sk: 'STATE', gsi1pk: 'TEARDOWN', gsi1sk: '1700000100#c' },
    ];
    for (const item of items)
      await table.doc.send(new PutCommand({ TableName: table.tableName, Item: item }));

    // Act
    const due = await table.doc.send(
      new QueryCommand({
        TableName: table.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk <= :now',
        ExpressionAttributeValues: { ':pk': 'TEARDOWN', ':now': '1700000200~' },
      }),
    );
    const all = await table.doc.send(
      new QueryCommand({
        TableName: table.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': 'TEARDOWN' },
      }),
    );

    // Assess
    expect(due.Items?.map((item) => item.pk)).toEqual(['RELEASE#c']);
    expect(all.Items?.map((item) => item.pk)).toEqual(['RELEASE#c', 'RELEASE#a']);
  });

  it('counts every request by DynamoDB operation name, from both clients', async () => {
    // Prepare
    table.requests.reset();
    const key = { pk: 'COUNT#1', sk: 'STATE' };

    // Act
    await table.doc.send(new PutCommand({ TableName: table.tableName, Item: key }));
    await table.doc.send(new PutCommand({ TableName: table.tableName, Item: { ...key, sk: 'OTHER' } }));
    await table.doc.send(new GetCommand({ TableName: table.tableName, Key: key }));
    await table.client.send(new DescribeTimeToLiveCommand({ TableName: table.tableName }));
    const refused = table.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: table.tableName, Item: key, ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }),
    );
    await expect(refused).rejects.toMatchObject({ name: 'TransactionCanceledException' });

    // Assess
    expect(table.requests.snapshot()).toEqual({
      PutItem: 2,
      GetItem: 1,
      DescribeTimeToLive: 1,
      TransactWriteItems: 1,
    });
    expect(table.requests.count('PutItem')).toBe(2);
    expect(table.requests.count('Scan')).toBe(0);
    expect(table.requests.total()).toBe(5);
  });
});
