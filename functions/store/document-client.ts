/**
 * gray's DynamoDB document client: one place that decides how every store talks to the table.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DeserializeMiddleware, MetadataBearer } from '@smithy/types';

/**
 * Per-request limits of gray's DynamoDB client, in milliseconds: connected within 3 s, answered within
 * 10 s. The SDK's default is to wait for ever, which would hold a Lambda (the worker's runs 15 min) or
 * the CLI on an endpoint that accepts connections and never answers; a timed-out request is retried
 * like any network error (TimeoutError, code ETIMEDOUT).
 */
export const DYNAMODB_TIMEOUTS_MS = { connectionTimeout: 3_000, requestTimeout: 10_000 } as const;

/** The DynamoDB client every gray entry point builds (region, credentials, endpoint from the environment), with DYNAMODB_TIMEOUTS_MS. */
export function grayDynamoDbClient(): DynamoDBClient {
  return new DynamoDBClient({ requestHandler: { ...DYNAMODB_TIMEOUTS_MS, throwOnRequestTimeout: true } });
}

/** Name of the step grayDocumentClient adds to the client (added once, however many stores share it). */
const CONFLICT_STEP = 'grayRetryTransactionConflicts';

/**
 * True for a write DynamoDB refused only because a transaction was in progress on one of its items,
 * so nothing was written and the same request may simply be sent again: `TransactionConflictException`
 * (a single-item write), or `TransactionCanceledException` whose reasons are `TransactionConflict`
 * for some items and `None` for the rest — never one with `ConditionalCheckFailed`, which is an
 * answer. Source: DynamoDB Developer Guide, "Error handling with DynamoDB" (transactional errors).
 */
export function isTransactionConflict(error: unknown): boolean {
  const { name, CancellationReasons } = (error ?? {}) as {
    name?: string;
    CancellationReasons?: { Code?: string }[];
  };
  if (name === 'TransactionConflictException') return true;
  if (name !== 'TransactionCanceledException') return false;
  const codes = (CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
  return (
    codes.includes('TransactionConflict') && codes.every((c) => c === 'TransactionConflict' || c === 'None')
  );
}

/**
 * The document client every gray store uses on `client`: undefined values dropped from items, and a
 * transaction conflict (isTransactionConflict) retried by the SDK's own retry strategy as a transient
 * error — its attempts (4 for DynamoDB), jittered backoff and retry budget — instead of surfacing as
 * an internal error when two operations race for one service's lock (the SDK does not count it as
 * retryable). Adds that step to `client` itself, once; DynamoDB Local never reports conflicts, so
 * tests inject them (test/support/dynamodb-fault-proxy.ts).
 */
export function grayDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  const markConflictsRetryable: DeserializeMiddleware<object, MetadataBearer> = (next) => async (args) => {
    try {
      return await next(args);
    } catch (error) {
      // The SDK's retry step (outside this one) retries errors that carry a `$retryable` trait.
      if (isTransactionConflict(error)) Object.assign(error as object, { $retryable: {} });
      throw error;
    }
  };
  client.middlewareStack.addRelativeTo(markConflictsRetryable, {
    name: CONFLICT_STEP,
    relation: 'before',
    toMiddleware: 'deserializerMiddleware',
    override: true,
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
