// Asks DynamoDB for ConsumedCapacity on every request a client sends, whoever built the command (our
// stores do not ask for it), and adds it up. DynamoDB Local answers ReturnConsumedCapacity like the
// service does (1 unit per consistent read up to 4 KB, 0 for an empty Query, 2 per transactional
// write item, …).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

const SUPPORTED = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
]);

/** Capacity units consumed since the last reset, by operation name (`{ Query: 0, GetItem: 3 }`). */
export interface CapacityMeter {
  /** A copy of the units by operation. */
  snapshot(): Record<string, number>;
  /** Sum over all operations. */
  total(): number;
  reset(): void;
}

type Capacity = { CapacityUnits?: number } | { CapacityUnits?: number }[] | undefined;

/**
 * Adds middleware to `client` that sets `ReturnConsumedCapacity: TOTAL` on the wire (before signing)
 * for every operation that supports it and records the units each response reports.
 */
export function meterConsumedCapacity(client: DynamoDBClient): CapacityMeter {
  const units = new Map<string, number>();
  const operationOf = (request: unknown): string | undefined => {
    const headers = (request as { headers?: Record<string, string> } | undefined)?.headers ?? {};
    return (headers['x-amz-target'] ?? headers['X-Amz-Target'])?.split('.').at(-1);
  };
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers: Record<string, string>; body?: unknown };
      const operation = operationOf(request);
      // The JSON body is a string or (recent SDKs) a Uint8Array; it is rewritten before the signer runs.
      const body = request.body;
      const text =
        typeof body === 'string'
          ? body
          : body instanceof Uint8Array
            ? new TextDecoder().decode(body)
            : undefined;
      if (operation && SUPPORTED.has(operation) && text !== undefined) {
        const rewritten = JSON.stringify({ ...JSON.parse(text), ReturnConsumedCapacity: 'TOTAL' });
        request.body = typeof body === 'string' ? rewritten : Buffer.from(rewritten, 'utf8');
        if (request.headers['content-length'] !== undefined)
          request.headers['content-length'] = String(Buffer.byteLength(rewritten));
      }
      return next(args);
    },
    { step: 'build', priority: 'high', name: 'benchReturnConsumedCapacity' },
  );
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const operation = operationOf(args.request);
      const consumed = (result.output as { ConsumedCapacity?: Capacity } | undefined)?.ConsumedCapacity;
      if (operation && consumed !== undefined) {
        const list = Array.isArray(consumed) ? consumed : [consumed];
        const sum = list.reduce((total, entry) => total + (entry.CapacityUnits ?? 0), 0);
        units.set(operation, (units.get(operation) ?? 0) + sum);
      }
      return result;
    },
    { step: 'deserialize', name: 'benchRecordConsumedCapacity', priority: 'high' },
  );
  return {
    snapshot: () => Object.fromEntries(units),
    total: () => [...units.values()].reduce((sum, n) => sum + n, 0),
    reset: () => units.clear(),
  };
}
