// A worker that starts an operation late — its lock already expired — races the sweeper, which lists
// that expired lock and recovers it. Found by an attack on the worker's start (the start is now the
// use case's lock take, so nothing checks the lock again after it): whichever of the two gets there
// first must win cleanly, on DynamoDB Local and the Kubernetes API server.
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { deploy } from '../../../functions/release/deploy.js';
import type { OperationStore } from '../../../functions/release/operations.js';
import { type Clock, systemClock } from '../../../functions/release/ports.js';
import { recoverStaleLock } from '../../../functions/release/recover.js';
import { enqueueOperation } from '../../../functions/release/request.js';
import { runQueuedOperation } from '../../../functions/release/run-queued.js';
import { sweep } from '../../../functions/release/sweep.js';
import { DynamoDbOperationStore } from '../../../functions/store/dynamodb-operation-store.js';
import { recordingReporter } from '../../support/recording-reporter.js';
import { type ReleaseStack, startReleaseStack } from '../../support/release-stack.js';

const SVC = 'address-service';
const nowS = () => Math.floor(Date.now() / 1000);
/** A clock an hour behind: what enqueues there has a lock that expired long ago. */
const anHourAgo: Clock = { ...systemClock, now: () => Date.now() - 3_600_000 };

let stack: ReleaseStack;
let operations: DynamoDbOperationStore;

beforeEach(async () => {
  stack = await startReleaseStack(inject('dynamoEndpoint'));
  operations = new DynamoDbOperationStore(stack.table.client, stack.table.tableName);
});

afterEach(async () => {
  await stack.close();
});

describe('a late start and the sweeper', () => {
  it('leaves the lock to a late worker that started after the sweeper listed it (first use: no record)', async () => {
    // Prepare: a deploy queued an hour ago on a service gray has no record of; the sweeper has listed
    // its expired lock. The worker's start then goes first, and the sweeper's recovery runs right after
    // it, followed by another operation trying to take the lock.
    const operationId = '00000000-0000-4000-8000-00000000b001';
    const queued = await enqueueOperation(
      { ...stack.deps, clock: anHourAgo, operations },
      { verb: 'deploy', service: SVC, version: '1.0.1-3b7c9e1' },
      { actor: 'U0ALICE', channel: 'C0RELEASES', operationId },
    );
    if (queued.kind !== 'queued') throw new Error(`not queued: ${queued.kind}`);
    const listed = { ...(await stack.store.getLock(SVC))!, service: SVC };
    let afterRecovery: { holder?: string; notice?: string; otherTook?: boolean } = {};
    const racing: OperationStore = Object.create(operations);
    racing.start = async (service, lock, now) => {
      const found = await operations.start(service, lock, now);
      const notice = await recoverStaleLock({ ...stack.deps, operations }, listed);
      const holder = (await stack.store.getLock(SVC))?.operationId;
      const other = { operationId: 'other', action: 'weight', summary: 'weight 1', requester: 'U0BOB' };
      const attempt = await stack.store.acquireLock(
        SVC,
        { ...other, since: nowS(), expiresAt: nowS() + 300 },
        nowS(),
      );
      afterRecovery = {
        ...(holder ? { holder } : {}),
        ...(notice ? { notice: notice.text } : {}),
        otherTook: attempt.acquired,
      };
      return found;
    };
    const reporter = recordingReporter();

    // Act
    const state = await runQueuedOperation({ ...stack.deps, operations: racing }, queued.operation, reporter);

    // Assess: the sweeper wrote nothing and said nothing; the worker kept its lock and finished.
    const ended = await operations.getOperation(operationId, nowS());
    expect(afterRecovery).toEqual({ holder: operationId, otherTook: false });
    expect([state, ended?.state]).toEqual(['succeeded', 'succeeded']);
    // The rollout's progress lines are 'running' reports; the ending is reported once, last.
    expect(reporter.states.filter((s) => s !== 'running')).toEqual(['succeeded']);
    expect(reporter.states.at(-1)).toBe('succeeded');
    const record = await stack.store.get(SVC);
    expect([record?.slots.green?.version, record?.slots.green?.status, record?.weights]).toEqual([
      '1.0.1-3b7c9e1',
      'ready',
      { blue: 100, green: 0 },
    ]);
    expect(await stack.store.getLock(SVC)).toBeUndefined();
  });

  it('tells the channel once when a late start meets the sweeper between its recovery write and its transition', async () => {
    // Prepare: address-service deployed; a weight 25 queued an hour ago, its expired lock listed by the
    // sweeper. The sweeper's recovery write (releasing the lock) lands, then the late worker runs —
    // finds its lock gone and ends the operation — then the sweeper's transition.
    await deploy(stack.deps, { service: SVC, actor: 'U0ALICE', version: '1.0.1-3b7c9e1' });
    const operationId = '00000000-0000-4000-8000-00000000b002';
    const queued = await enqueueOperation(
      { ...stack.deps, clock: anHourAgo, operations },
      { verb: 'weight', service: SVC, weight: 25 },
      { actor: 'U0ALICE', channel: 'C0RELEASES', operationId },
    );
    if (queued.kind !== 'queued') throw new Error(`not queued: ${queued.kind}`);
    const listed = { ...(await stack.store.getLock(SVC))!, service: SVC };
    const reporter = recordingReporter();
    let worker: string | undefined;
    const sweeperOperations: OperationStore = Object.create(operations);
    sweeperOperations.transition = async (...args) => {
      worker = await runQueuedOperation({ ...stack.deps, operations }, queued.operation, reporter);
      return operations.transition(...args);
    };

    // Act
    const notice = await recoverStaleLock({ ...stack.deps, operations: sweeperOperations }, listed);

    // Assess: the worker's message is the one the channel gets; the sweeper adds none.
    const ended = await operations.getOperation(operationId, nowS());
    expect([worker, reporter.states, notice]).toEqual(['failed', ['failed'], undefined]);
    expect([ended?.state, ended?.result]).toEqual([
      'failed',
      'weight 25 on address-service did not run: its lock expired before the worker started it and the service has changed hands since; ask again',
    ]);
    expect(await stack.store.getLock(SVC)).toBeUndefined();
  });
  it('tells the channel once when a sweep lands between a late worker’s commit and its last write', async () => {
    // Prepare: address-service deployed; a weight 25 queued an hour ago and started late by the worker.
    // A full sweep runs right after the worker's commit released the lock — at the real time, and an
    // hour later (the operation then past its budget too).
    await deploy(stack.deps, { service: SVC, actor: 'U0ALICE', version: '1.0.1-3b7c9e1' });
    const runs: { later: number; notices: string[]; workerReports: string[]; state: string }[] = [];
    for (const [n, later] of [3_600_000, 0].entries()) {
      const operationId = `00000000-0000-4000-8000-00000000b10${n}`;
      const queued = await enqueueOperation(
        { ...stack.deps, clock: anHourAgo, operations },
        { verb: 'weight', service: SVC, weight: n === 0 ? 25 : 30 },
        { actor: 'U0ALICE', channel: 'C0RELEASES', operationId },
      );
      if (queued.kind !== 'queued') throw new Error(`not queued: ${queued.kind}`);
      const notices: string[] = [];
      const worker: OperationStore = Object.create(operations);
      worker.transition = async (id, from, to, fields, now) => {
        if (from.join() === 'running') {
          const clock: Clock = { ...systemClock, now: () => Date.now() + later };
          const report = await sweep({ ...stack.deps, clock, operations });
          notices.push(...report.notices.map((notice) => notice.text));
        }
        return operations.transition(id, from, to, fields, now);
      };
      const reporter = recordingReporter();
      const state = await runQueuedOperation(
        { ...stack.deps, operations: worker },
        queued.operation,
        reporter,
      );
      runs.push({ later, notices, workerReports: reporter.states, state });
    }

    // Assess: within its budget the sweep leaves the running operation alone; past it, the sweep ends
    // it from the audit log and says so, and the worker does not report the ending a second time.
    expect(runs).toEqual([
      {
        later: 3_600_000,
        notices: [
          '⚠️ address-service: the operation `weight 25` by <@U0ALICE> was left unfinished by its worker; weight 25 succeeded',
        ],
        workerReports: ['running'],
        state: 'succeeded',
      },
      { later: 0, notices: [], workerReports: ['running', 'succeeded'], state: 'succeeded' },
    ]);
  });
  it('frees a stale lock of a service gone from the configuration only while it is the lock listed', async () => {
    // Prepare: an expired lock on retired-service (no longer configured) as the sweeper listed it;
    // its holder then renews it. A second lock, listed and untouched, on another unconfigured service.
    const listed = (service: string, operationId: string) => ({
      service,
      operationId,
      action: 'weight',
      summary: 'weight 5',
      requester: 'U0ALICE',
      since: nowS() - 600,
      expiresAt: nowS() - 60,
    });
    const renewed = listed('retired-service', 'op-renewed');
    const untouched = listed('other-retired-service', 'op-untouched');
    for (const { service, ...lock } of [renewed, untouched])
      await stack.store.acquireLock(service, lock, nowS());
    const renewedTo = nowS() + 120;
    await stack.store.renewLock('retired-service', 'op-renewed', renewedTo);

    // Act
    const notices = [
      await recoverStaleLock({ ...stack.deps, operations }, renewed),
      await recoverStaleLock({ ...stack.deps, operations }, untouched),
    ];

    // Assess: the renewed lock is kept, the listed one freed, and neither is announced.
    expect(notices).toEqual([undefined, undefined]);
    expect((await stack.store.getLock('retired-service'))?.expiresAt).toBe(renewedTo);
    expect(await stack.store.getLock('other-retired-service')).toBeUndefined();
  });
});
