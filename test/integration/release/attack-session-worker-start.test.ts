// The worker starts a queued operation with two writes made at once (runQueuedOperation): the lock
// renewal and queued → running. This attacks what a store error on one of them leaves behind, on
// DynamoDB Local and the Kubernetes API server: Lambda retries a job whose run threw, and the retry must
// still find the operation queued and run it; and a use case that fails before it takes the lock itself
// must not leave the lock the hand-off took.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { readWeights } from '../../../functions/istio/virtual-service.js';
import { deploy } from '../../../functions/release/deploy.js';
import type { KubeObject } from '../../../functions/release/ports.js';
import { enqueueOperation } from '../../../functions/release/request.js';
import { type OperationReporter, runQueuedOperation } from '../../../functions/release/run-queued.js';
import { DynamoDbOperationStore } from '../../../functions/store/dynamodb-operation-store.js';
import { DynamoDbReleaseStore } from '../../../functions/store/dynamodb-release-store.js';
import { type ReleaseStack, startReleaseStack } from '../../support/release-stack.js';

const SVC = 'address-service';

let stack: ReleaseStack;
let operations: DynamoDbOperationStore;
const liveWeights = () =>
  readWeights(
    stack.deps.config.services[0]!,
    stack.kube.getObject('virtualservices', 'happyride', 'address-service-deployment') as KubeObject,
  );

/** A reporter that keeps the states it was told, in order. */
function recordingReporter(): OperationReporter & { states: string[] } {
  const states: string[] = [];
  return {
    states,
    report: async (_operation, update) => {
      states.push(update.state);
    },
  };
}

beforeEach(async () => {
  stack = await startReleaseStack(inject('dynamoEndpoint'));
  operations = new DynamoDbOperationStore(stack.table.client, stack.table.tableName);
  await deploy(stack.deps, { service: SVC, actor: 'U0ALICE', version: '1.0.1-3b7c9e1' });
});

afterEach(async () => {
  await stack.close();
});

describe('runQueuedOperation', () => {
  it('leaves the operation queued when the lock renewal fails, so the retried job runs it', async () => {
    // Prepare: a weight 25 queued under its lock; the first attempt's release store answers every
    // request with DynamoDB's ResourceNotFoundException (a real error from DynamoDB Local).
    const queued = await enqueueOperation(
      { ...stack.deps, operations },
      { verb: 'weight', service: SVC, weight: 25 },
      { actor: 'U0ALICE', channel: 'C0RELEASES', operationId: '00000000-0000-4000-8000-00000000a001' },
    );
    if (queued.kind !== 'queued') throw new Error(`not queued: ${queued.kind}`);
    const { operationId } = queued.operation;
    const unreachable = new DynamoDbReleaseStore(stack.table.client, `${stack.table.tableName}-missing`);
    const firstReporter = recordingReporter();

    // Act: the first attempt throws; Lambda retries the job with the store reachable again.
    const first = await runQueuedOperation(
      { ...stack.deps, store: unreachable, operations },
      queued.operation,
      firstReporter,
    ).catch((error: unknown) => (error as Error).name);
    await sleep(200); // let any write of the first attempt still in flight land
    const stateBetween = (await operations.getOperation(operationId, Math.floor(Date.now() / 1000)))?.state;
    const retryReporter = recordingReporter();
    const retried = await runQueuedOperation({ ...stack.deps, operations }, operationId, retryReporter);

    // Assess
    expect(first).toBe('ResourceNotFoundException');
    expect(firstReporter.states).toEqual([]);
    expect(stateBetween).toBe('queued');
    expect(retried).toBe('succeeded');
    expect(retryReporter.states).toEqual(['running', 'succeeded']);
    expect(liveWeights()).toEqual({ blue: 75, green: 25 });
    expect((await operations.getOperation(operationId, Math.floor(Date.now() / 1000)))?.state).toBe(
      'succeeded',
    );
    expect(await stack.store.getLock(SVC)).toBeUndefined();
  });

  it('releases the lock taken at hand-off when the use case fails before it holds the lock itself', async () => {
    // Prepare: a weight 25 queued under its lock; the use case's own lock take answers with DynamoDB
    // Local's ResourceNotFoundException (a table that does not exist), everything else is reachable.
    const queued = await enqueueOperation(
      { ...stack.deps, operations },
      { verb: 'weight', service: SVC, weight: 25 },
      { actor: 'U0ALICE', channel: 'C0RELEASES', operationId: '00000000-0000-4000-8000-00000000a002' },
    );
    if (queued.kind !== 'queued') throw new Error(`not queued: ${queued.kind}`);
    const unreachable = new DynamoDbReleaseStore(stack.table.client, `${stack.table.tableName}-missing`);
    const store: DynamoDbReleaseStore = Object.create(stack.store);
    store.acquireLock = (...args) => unreachable.acquireLock(...args);
    const heldBefore = (await stack.store.getLock(SVC))?.operationId;
    const reporter = recordingReporter();

    // Act
    const state = await runQueuedOperation({ ...stack.deps, store, operations }, queued.operation, reporter);

    // Assess: the operation failed with the correlation id, nothing changed, and the lock is free.
    expect(heldBefore).toBe('00000000-0000-4000-8000-00000000a002');
    expect(state).toBe('failed');
    expect(reporter.states).toEqual(['running', 'failed']);
    expect(
      (await operations.getOperation(queued.operation.operationId, Math.floor(Date.now() / 1000)))?.result,
    ).toBe(
      'gray hit an internal error (correlation id 00000000-0000-4000-8000-00000000a002); the logs have the details',
    );
    expect(liveWeights()).toEqual({ blue: 100, green: 0 });
    expect(await stack.store.getLock(SVC)).toBeUndefined();
  });
});
