// A slash command refused as busy claims its delivery key `command:<trigger_id>` with the refusal
// (DynamoDbOperationStore.enqueue → claimRefused). This attacks the race where another delivery of the
// same command runs while the refused one is between its failed transaction and that claim, on DynamoDB
// Local: the refused delivery must not tell the user "busy" about a change that another delivery queued.

import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { enqueueOperation } from '../../../functions/release/request.js';
import { DynamoDbOperationStore } from '../../../functions/store/dynamodb-operation-store.js';
import { dynamoDbLocalClientConfig } from '../../support/dynamodb-local.js';
import { type ReleaseStack, startReleaseStack } from '../../support/release-stack.js';

const SVC = 'address-service';
const KEY = 'command:T0TRIGGER1';

/**
 * A DynamoDB Local client whose first single PutItem waits for `open()`; `reached` resolves when it
 * is waiting. Only the timing of a real request is changed, nothing it sends or gets back.
 */
function pausedPutClient(endpoint: string) {
  let open!: () => void;
  let arrived!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const reached = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  let paused = false;
  const client = new DynamoDBClient({ ...dynamoDbLocalClientConfig, endpoint });
  client.middlewareStack.add(
    (next) => async (args) => {
      const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
      if (!paused && (headers['x-amz-target'] ?? '').endsWith('.PutItem')) {
        paused = true;
        arrived();
        await gate;
      }
      return next(args);
    },
    { step: 'build', name: 'pauseFirstPutItem' },
  );
  return { client, reached, open };
}

let stack: ReleaseStack;
let operations: DynamoDbOperationStore;
/** One delivery of U0ALICE's `/gray weight address-service 5` (each delivery makes a new operation id). */
const request = (ops: DynamoDbOperationStore) =>
  enqueueOperation(
    { ...stack.deps, operations: ops },
    { verb: 'weight', service: SVC, weight: 5 },
    { actor: 'U0ALICE', channel: 'C0RELEASES', operationId: randomUUID(), idempotencyKey: KEY },
  );
/** U0BOB's weight 50, holding the lock. */
const holdLock = () =>
  enqueueOperation(
    { ...stack.deps, operations },
    { verb: 'weight', service: SVC, weight: 50 },
    { actor: 'U0BOB', channel: 'C0RELEASES', operationId: randomUUID() },
  );

beforeEach(async () => {
  stack = await startReleaseStack(inject('dynamoEndpoint'));
  operations = new DynamoDbOperationStore(stack.table.client, stack.table.tableName);
});

afterEach(async () => {
  await stack.close();
});

describe('a command refused as busy', () => {
  it('answers as the delivery that queued it when that delivery claimed the key first', async () => {
    // Prepare: U0BOB's operation holds the lock; delivery A of the command is refused as busy and is
    // held just before it claims the key with its refusal.
    const holder = await holdLock();
    if (holder.kind !== 'queued') throw new Error(`holder not queued: ${holder.kind}`);
    const paused = pausedPutClient(inject('dynamoEndpoint'));
    const refused = request(new DynamoDbOperationStore(paused.client, stack.table.tableName)).then(
      (result) => ({ result }),
      (error: unknown) => ({ error: (error as Error).message }),
    );
    await paused.reached;
    // Act: the holder finishes; delivery B of the same command is queued; then A claims.
    await stack.store.releaseLock(SVC, holder.operation.operationId);
    const queued = await request(operations);
    paused.open();
    const outcome = await refused;
    paused.client.destroy();

    // Assess: A answers like any later delivery of a queued command (it runs once), never "busy".
    if (queued.kind !== 'queued') throw new Error(`delivery B not queued: ${queued.kind}`);
    expect(outcome).toEqual({ result: { kind: 'duplicate', operationId: queued.operation.operationId } });
    expect((await stack.store.getLock(SVC))?.operationId).toBe(queued.operation.operationId);
  });

  it('stays refused for a later delivery once the refusal claimed the key', async () => {
    const holder = await holdLock();
    if (holder.kind !== 'queued') throw new Error(`holder not queued: ${holder.kind}`);
    const first = await request(operations).catch((error: unknown) => (error as Error).message);
    await stack.store.releaseLock(SVC, holder.operation.operationId);

    const again = await request(operations).catch((error: unknown) => (error as Error).message);

    expect(first).toMatch(/^address-service is busy: weight 50 by <@U0BOB> since \d\d:\d\d UTC; wait for it/);
    expect(again).toBe(first);
    expect(await stack.store.getLock(SVC)).toBeUndefined();
  });
});
