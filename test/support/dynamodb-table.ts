// One uniquely named gray table per test file on the shared DynamoDB Local, with SDK clients that count
// every HTTP request by DynamoDB operation name (the bench asserts exact request counts).
import { randomBytes } from 'node:crypto';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { grayTableDefinition } from '../../functions/store/table.js';
import { dynamoDbLocalClientConfig } from './dynamodb-local.js';

// The layout is production code (functions/store/table.ts); tests build the same table.
export { type GrayTableDefinition, grayTableDefinition } from '../../functions/store/table.js';

/** Counts HTTP requests (retries included) by DynamoDB operation name, e.g. `{ PutItem: 2, Query: 1 }`. */
export interface RequestCounter {
  /** Requests of one operation (`'TransactWriteItems'`), 0 if none. */
  count(operation: string): number;
  /** Requests of all operations together. */
  total(): number;
  /** A copy of the counts by operation name. */
  snapshot(): Record<string, number>;
  /** Back to zero (createTestTable calls it once the table is ready). */
  reset(): void;
}

/** A test table with clients bound to it; `drop()` deletes the table and closes the clients (idempotent). */
export interface TestTable {
  tableName: string;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  requests: RequestCounter;
  drop(): Promise<void>;
}

/**
 * Creates a table named `<prefix>-<time>-<random>` with {@link grayTableDefinition} (TTL enabled) on the
 * DynamoDB Local at `endpoint` (`http://127.0.0.1:<port>`), with dummy credentials; the request counter
 * starts at zero after set-up. Throws the SDK's error if CreateTable or UpdateTimeToLive fails.
 */
export async function createTestTable(endpoint: string, prefix = 'gray-test'): Promise<TestTable> {
  const tableName = `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const requests = createRequestCounter();
  const client = createCountingDynamoDbClient(endpoint, requests);
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const definition = grayTableDefinition(tableName);
  await client.send(new CreateTableCommand(definition.createTable));
  await client.send(new UpdateTimeToLiveCommand(definition.timeToLive));
  requests.reset();
  let dropped: Promise<void> | undefined;
  const drop = (): Promise<void> => {
    dropped ??= client.send(new DeleteTableCommand({ TableName: tableName })).then(
      () => client.destroy(),
      (error: unknown) => {
        client.destroy();
        throw error;
      },
    );
    return dropped;
  };
  return { tableName, client, doc, requests, drop };
}

/** Makes an empty {@link RequestCounter}. */
export function createRequestCounter(): RequestCounter & { add(operation: string): void } {
  const counts = new Map<string, number>();
  return {
    add: (operation) => counts.set(operation, (counts.get(operation) ?? 0) + 1),
    count: (operation) => counts.get(operation) ?? 0,
    total: () => [...counts.values()].reduce((sum, n) => sum + n, 0),
    snapshot: () => Object.fromEntries(counts),
    reset: () => counts.clear(),
  };
}

/**
 * A DynamoDBClient for DynamoDB Local at `endpoint` (region us-east-1, dummy credentials, SDK default retries) that
 * adds one to `counter` for every HTTP request it sends, keyed by the operation in `X-Amz-Target`.
 */
export function createCountingDynamoDbClient(
  endpoint: string,
  counter: { add(operation: string): void },
): DynamoDBClient {
  // SDK default retries, as in production; each attempt is counted, so counts stay exact.
  const client = new DynamoDBClient({ ...dynamoDbLocalClientConfig, endpoint });
  // The deserialize step runs once per HTTP attempt, inside the retry loop, with the request built.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { headers?: Record<string, string> } | undefined;
      const target = request?.headers?.['x-amz-target'] ?? request?.headers?.['X-Amz-Target'];
      counter.add(target?.split('.').at(-1) ?? String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'deserialize', name: 'grayRequestCounter', priority: 'low' },
  );
  return client;
}
