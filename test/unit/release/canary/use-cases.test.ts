import { describe, expect, it } from 'vitest';
import { readWeights } from '../../../../functions/istio/virtual-service.js';
import { abortCanary, pauseCanary, resumeCanary } from '../../../../functions/release/canary/control.js';
import { canaryDue, canaryEndedOutside } from '../../../../functions/release/canary/progress.js';
import { startCanary } from '../../../../functions/release/canary/start.js';
import { deploy } from '../../../../functions/release/deploy.js';
import type { ObjectRef } from '../../../../functions/release/ports.js';
import { promote } from '../../../../functions/release/promote.js';
import { shiftWeight } from '../../../../functions/release/shift-weight.js';
import { memoryHarness } from '../../../support/memory/harness.js';

const VS: ObjectRef = { kind: 'VirtualService', namespace: 'happyride', name: 'address-service-deployment' };
const base = { service: 'address-service', actor: 'U0ALICE' };

/** The seed with green 1.0.1 deployed (ready, no traffic). */
async function deployed(overrides: Record<string, unknown> = {}) {
  const harness = memoryHarness(overrides);
  await deploy(harness.deps, { ...base, version: '1.0.1-3b7c9e1' });
  const weights = () => readWeights(harness.deps.config.services[0]!, harness.cluster.get(VS)!);
  return { ...harness, weights };
}

describe('startCanary', () => {
  it('applies the first step and records the plan, clamping a last step below the maximum', async () => {
    const { deps, store, weights, clock } = await deployed({ canary: { interval: '10m' } });
    const now = Math.floor(clock.now() / 1000);

    const done = await startCanary(deps, {
      ...base,
      steps: [1, 5, 25],
      operationId: 'op-canary',
      channel: 'C0RELEASES',
    });

    expect(weights()).toEqual({ blue: 99, green: 1 });
    expect(done.message).toBe(
      `canary started on address-service: green 1.0.1-3b7c9e1 has 1% (step 1 of 3 (1%)); first analysis at 10:10 UTC, then 5%, 100% every 10m (the last step 25% was raised to the maximum weight 100%)`,
    );
    expect((await store.get('address-service'))!.canary).toEqual({
      status: 'running',
      slot: 'green',
      version: '1.0.1-3b7c9e1',
      steps: [1, 5, 100],
      stepIndex: 0,
      intervalSeconds: 600,
      nextCheckAt: now + 600,
      failures: 0,
      failureLimit: 3,
      startedBy: 'U0ALICE',
      startedAt: now,
      operationId: 'op-canary',
      note: 'the last step 25% was raised to the maximum weight 100%',
    });
    expect(await store.getLock('address-service')).toBeUndefined();
  });

  it('takes steps and interval from the command over the config', async () => {
    const { deps, store } = await deployed();

    await startCanary(deps, { ...base, steps: [5, 50, 100], intervalSeconds: 120 });

    expect((await store.get('address-service'))!.canary).toMatchObject({
      steps: [5, 50, 100],
      intervalSeconds: 120,
    });
  });

  it('refuses a first step the weight-step policy would hold for approval, and changes nothing', async () => {
    const { deps, store, weights } = await deployed();

    await expect(startCanary(deps, { ...base, steps: [50, 100] })).rejects.toThrow(
      "canary: the first step 50% needs approval (a step of 50 points is above address-service's max step of 25 without approval); start with a smaller first step, like steps 1,5,25,50,100",
    );
    expect(weights()).toEqual({ blue: 100, green: 0 });
    expect((await store.get('address-service'))!.canary).toBeUndefined();
    expect(store.audit.at(-1)).toMatchObject({ action: 'canary', result: 'refused' });
  });

  it('refuses without a deployed new slot', async () => {
    const { deps, store } = memoryHarness();

    await expect(startCanary(deps, base)).rejects.toThrow(
      'canary: address-service has no deployed, ready new slot (green is not deployed, release stable); deploy one first with /gray deploy address-service <version>',
    );
    expect(await store.getLock('address-service')).toBeUndefined();
  });

  it('refuses a second canary while one is active', async () => {
    const { deps } = await deployed();
    await startCanary(deps, base);

    await expect(startCanary(deps, base)).rejects.toThrow(
      'canary: address-service already has a canary (running, step 1 of 5 (1%)); /gray canary address-service abort first',
    );
  });

  it('refuses a step plan and an interval out of bounds before taking the lock', async () => {
    const { deps, store } = await deployed({ canary: { maxWeight: 50 } });
    expect(deps.config.services[0]!.canary?.steps).toEqual([1, 5, 25, 50]);

    await expect(startCanary(deps, { ...base, steps: [5, 100] })).rejects.toThrow(
      'canary: step 100 is above the maximum weight 50; like steps 1,5,25,50,50',
    );
    await expect(startCanary(deps, { ...base, intervalSeconds: 30 })).rejects.toThrow(
      'canary: every 30s is not an interval from 1m to 1d; write it like every 5m',
    );
    expect(store.audit.filter((e) => e.action === 'canary')).toEqual([]);
  });
});

describe('pauseCanary, resumeCanary, abortCanary', () => {
  it('pauses, refuses a second pause, resumes with the next analysis one interval away', async () => {
    const { deps, store, clock } = await deployed();
    await startCanary(deps, base);
    clock.advance(60_000);

    await pauseCanary(deps, base);
    await expect(pauseCanary(deps, base)).rejects.toThrow(
      "canary pause: address-service's canary is already paused; /gray canary address-service resume to continue",
    );
    const paused = (await store.get('address-service'))!;
    expect(paused.canary).toMatchObject({ status: 'paused', note: 'paused by U0ALICE' });
    expect(canaryDue(paused, Math.floor(clock.now() / 1000) + 3600)).toBe(false);

    const resumed = await resumeCanary(deps, base);

    expect(resumed.message).toBe(
      'resumed the canary on address-service at green step 1 of 5 (1%); next analysis at 10:06 UTC',
    );
    expect((await store.get('address-service'))!.canary).toMatchObject({
      status: 'running',
      nextCheckAt: Math.floor(clock.now() / 1000) + 300,
    });
    await expect(resumeCanary(deps, base)).rejects.toThrow(
      "canary resume: address-service's canary is running, not paused",
    );
  });

  it('refuses to steer a service without a canary, recording the refusal', async () => {
    const { deps, store } = await deployed();

    await expect(abortCanary(deps, base)).rejects.toThrow(
      'canary abort: address-service has no canary running; start one with /gray canary address-service',
    );
    await expect(pauseCanary(deps, base)).rejects.toThrow(
      'canary pause: address-service has no canary running; start one with /gray canary address-service',
    );
    expect(store.audit.slice(-2).map((e) => [e.action, e.result])).toEqual([
      ['canary-abort', 'refused'],
      ['canary-pause', 'refused'],
    ]);
  });

  it('aborts: all traffic back to blue and the canary ended in the same commit', async () => {
    const { deps, store, weights } = await deployed();
    await startCanary(deps, base);

    await abortCanary(deps, { ...base, actor: 'U0BOB' });

    expect(weights()).toEqual({ blue: 100, green: 0 });
    const record = (await store.get('address-service'))!;
    expect(record.phase).toBe('rolled-back');
    expect(record.canary).toMatchObject({ status: 'aborted', note: 'aborted by U0BOB' });
    await expect(abortCanary(deps, base)).rejects.toThrow(
      'canary abort: address-service has no canary running (the last one ended: aborted); start one with /gray canary address-service',
    );
  });
});

describe('canaryEndedOutside', () => {
  it('sees a hand-made weight change, a promotion by hand and a new deploy', async () => {
    const { deps, store } = await deployed({ approvalRequired: [] });
    await startCanary(deps, base);
    await shiftWeight(deps, { ...base, weight: 20 });
    const moved = (await store.get('address-service'))!;

    expect(canaryEndedOutside(moved)).toEqual({
      status: 'cancelled',
      note: "green's weight was changed to 20% outside the canary (its step was 1%)",
    });
    expect(canaryDue(moved, 0)).toBe(true);

    await promote(deps, base);
    expect(canaryEndedOutside((await store.get('address-service'))!)).toEqual({
      status: 'promoted',
      note: 'green 1.0.1-3b7c9e1 was promoted',
    });
  });

  it('is undefined while the canary owns the release', async () => {
    const { deps, store } = await deployed();
    await startCanary(deps, base);

    expect(canaryEndedOutside((await store.get('address-service'))!)).toBeUndefined();
  });
});
