// The worker starts a queued operation with the use case's first lock take (runQueuedOperation): one
// transaction moves it queued → running and renews the lock it holds since enqueue. This attacks what a
// store error there leaves behind, on DynamoDB Local and the Kubernetes API server: Lambda retries a job
// whose run threw, and the retry must still find the operation queued and run it. And an operation that
// ends before that first take (its service gone from the configuration) must end, and not keep the lock
// the hand-off took.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { readWeights } from '../../../functions/istio/virtual-service.js';
import { deploy } from '../../../functions/release/deploy.js';
import type { KubeObject } from '../../../functions/release/ports.js';
import { enqueueOperation } from '../../../functions/release/request.js';
import { runQueuedOperation } from '../../../functions/release/run-queued.js';
import { DynamoDbOperationStore } from '../../../functions/store/dynamodb-operation-store.js';
import { DynamoDbReleaseStore } from '../../../functions/store/dynamodb-release-store.js';
import { createCountingDynamoDbClient, createRequestCounter } from '../../support/dynamodb-table.js';
import { recordingReporter } from '../../support/recording-reporter.js';
import { type ReleaseStack, startReleaseStack } from '../../support/release-stack.js';

const SVC = 'address-service';

let stack: ReleaseStack;
let operations: DynamoDbOperationStore;
const liveWeights = () =>
  readWeights(
    stack.deps.config.services[0]!,
    stack.kube.getObject('virtualservices', 'happyride', 'address-service-deployment') as KubeObject,
  );

beforeEach(async () => {
  stack = await startReleaseStack(inject('dynamoEndpoint'));
  operations = new DynamoDbOperationStore(stack.table.client, stack.table.tableName);
  await deploy(stack.deps, { service: SVC, actor: 'U0ALICE', version: '1.0.1-3b7c9e1' });
});

afterEach(async () => {
  await stack.close();
});

describe('runQueuedOperation', () => {
  it('leaves the operation queued when starting it fails, so the retried job runs it', async () => {
    // Prepare: a weight 25 queued under its lock; the first attempt's operation store starts it on a
    // table that does not exist (DynamoDB Local's ResourceNotFoundException), the rest is reachable.
    const queued = await enqueueOperation(
      { ...stack.deps, operations },
      { verb: 'weight', service: SVC, weight: 25 },
      { actor: 'U0ALICE', channel: 'C0RELEASES', operationId: '00000000-0000-4000-8000-00000000a001' },
    );
    if (queued.kind !== 'queued') throw new Error(`not queued: ${queued.kind}`);
    const { operationId } = queued.operation;
    const unreachable = new DynamoDbOperationStore(stack.table.client, `${stack.table.tableName}-missing`);
    const failingStart: DynamoDbOperationStore = Object.create(operations);
    failingStart.start = (...args) => unreachable.start(...args);
    const firstReporter = recordingReporter();
    const lockBefore = await stack.store.getLock(SVC);

    // Act: the first attempt throws; Lambda retries the job with the store reachable again.
    const first = await runQueuedOperation(
      { ...stack.deps, operations: failingStart },
      queued.operation,
      firstReporter,
    ).catch((error: unknown) => (error as Error).name);
    await sleep(200); // let any write of the first attempt still in flight land
    const stateBetween = (await operations.getOperation(operationId, Math.floor(Date.now() / 1000)))?.state;
    const lockBetween = await stack.store.getLock(SVC);
    const weightsBetween = liveWeights();
    const retryReporter = recordingReporter();
    const retried = await runQueuedOperation({ ...stack.deps, operations }, operationId, retryReporter);

    // Assess
    expect(first).toBe('ResourceNotFoundException');
    expect(firstReporter.states).toEqual([]);
    expect(stateBetween).toBe('queued');
    expect(lockBetween).toEqual(lockBefore);
    expect(weightsBetween).toEqual({ blue: 100, green: 0 });
    expect(retried).toBe('succeeded');
    expect(retryReporter.states).toEqual(['running', 'succeeded']);
    expect(liveWeights()).toEqual({ blue: 75, green: 25 });
    expect((await operations.getOperation(operationId, Math.floor(Date.now() / 1000)))?.state).toBe(
      'succeeded',
    );
    expect(await stack.store.getLock(SVC)).toBeUndefined();
  });

  it('ends an operation whose service left the configuration before it started, and frees its lock', async () => {
    // Prepare: a weight 25 queued under its lock; the worker then runs with a configuration that no
    // longer has address-service (a redeploy of gray between the hand-off and the run).
    const queued = await enqueueOperation(
      { ...stack.deps, operations },
      { verb: 'weight', service: SVC, weight: 25 },
      { actor: 'U0ALICE', channel: 'C0RELEASES', operationId: '00000000-0000-4000-8000-00000000a002' },
    );
    if (queued.kind !== 'queued') throw new Error(`not queued: ${queued.kind}`);
    const config = {
      ...stack.deps.config,
      services: stack.deps.config.services.filter((s) => s.name !== SVC),
    };
    const heldBefore = (await stack.store.getLock(SVC))?.operationId;
    const reporter = recordingReporter();

    // Act
    const state = await runQueuedOperation({ ...stack.deps, config, operations }, queued.operation, reporter);

    // Assess: the operation ended with the reason, nothing changed, and the lock is free.
    const ended = await operations.getOperation(queued.operation.operationId, Math.floor(Date.now() / 1000));
    expect(heldBefore).toBe('00000000-0000-4000-8000-00000000a002');
    expect([state, ended?.state]).toEqual(['refused', 'refused']);
    expect(ended?.result).toBe('unknown service "address-service"; configured services: (none)');
    expect(reporter.states).toEqual(['refused']);
    expect(liveWeights()).toEqual({ blue: 100, green: 0 });
    expect(await stack.store.getLock(SVC)).toBeUndefined();
  });
  it('runs an operation delivered twice at once exactly once, and the second delivery writes nothing', async () => {
    // Prepare: a weight 25 queued under its lock; Lambda hands the same job to two workers at once,
    // each with its own DynamoDB client counting its requests.
    const queued = await enqueueOperation(
      { ...stack.deps, operations },
      { verb: 'weight', service: SVC, weight: 25 },
      { actor: 'U0ALICE', channel: 'C0RELEASES', operationId: '00000000-0000-4000-8000-00000000a003' },
    );
    if (queued.kind !== 'queued') throw new Error(`not queued: ${queued.kind}`);
    stack.kube.clearLog();
    const audits = (await stack.store.history(SVC, 50)).length;
    const deliveries = [0, 1].map(() => {
      const requests = createRequestCounter();
      const client = createCountingDynamoDbClient(inject('dynamoEndpoint'), requests);
      return {
        requests,
        client,
        reporter: recordingReporter(),
        store: new DynamoDbReleaseStore(client, stack.table.tableName),
        operations: new DynamoDbOperationStore(client, stack.table.tableName),
      };
    });

    // Act
    const results = await Promise.all(
      deliveries.map((d) =>
        runQueuedOperation(
          { ...stack.deps, store: d.store, operations: d.operations },
          queued.operation,
          d.reporter,
        ),
      ),
    );
    for (const d of deliveries) d.client.destroy();

    // Assess: one ran and reported; the other read the record, failed to start, and stopped silently.
    expect([...results].sort()).toEqual(['skipped', 'succeeded']);
    const skipped = deliveries[results.indexOf('skipped')]!;
    expect(skipped.reporter.states).toEqual([]);
    expect(skipped.requests.snapshot()).toEqual({ GetItem: 1, TransactWriteItems: 1 });
    expect(deliveries[results.indexOf('succeeded')]?.reporter.states).toEqual(['running', 'succeeded']);
    expect(stack.kube.countRequests({ verb: 'patch' })).toBe(1);
    expect(liveWeights()).toEqual({ blue: 75, green: 25 });
    expect((await stack.store.history(SVC, 50)).length).toBe(audits + 1);
    expect(await stack.store.getLock(SVC)).toBeUndefined();
  });
});
