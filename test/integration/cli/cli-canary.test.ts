import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { readWeights } from '../../../functions/istio/virtual-service.js';
import type { KubeObject } from '../../../functions/release/ports.js';
import { type GrayCli, grayCliFor } from '../../support/cli-runner.js';
import { type ReleaseStack, startReleaseStack } from '../../support/release-stack.js';

let stack: ReleaseStack;
let gray: GrayCli;

const weights = () =>
  readWeights(
    stack.deps.config.services[0]!,
    stack.kube.getObject(
      'virtualservices',
      'happyride',
      'address-service-deployment',
    ) as unknown as KubeObject,
  );

beforeEach(async () => {
  stack = await startReleaseStack(inject('dynamoEndpoint'));
  gray = grayCliFor(stack, { as: 'alice' });
});
afterEach(() => stack.close());

describe('gray canary', () => {
  it('starts, pauses, resumes and aborts a canary, printing each result', async () => {
    await gray('deploy', 'address-service', 'green', '1.0.1-3b7c9e1');

    const started = await gray('canary', 'address-service', 'steps', '10,50,100', 'every', '5m');
    expect(started.code).toBe(0);
    expect(started.out).toMatch(
      /^canary started on address-service: green 1\.0\.1-3b7c9e1 has 10% \(step 1 of 3 \(10%\)\); first analysis at \d\d:\d\d UTC, then 50%, 100% every 5m$/,
    );
    expect(weights()).toEqual({ blue: 90, green: 10 });

    expect((await gray('status', 'address-service')).out).toMatch(
      /\n {2}canary: running, step 1 of 3 \(10%\), next analysis at \d\d:\d\d UTC$/,
    );

    expect(await gray('canary', 'address-service', 'pause')).toEqual({
      code: 0,
      out: 'paused the canary on address-service at green step 1 of 3 (10%); gray canary address-service resume to continue',
      err: '',
    });
    expect((await gray('status', 'address-service')).out.split('\n').at(-1)).toBe(
      '  canary: paused at step 1 of 3 (10%): paused by alice',
    );
    expect((await gray('canary', 'address-service', 'resume')).out).toMatch(
      /^resumed the canary on address-service at green step 1 of 3 \(10%\); next analysis at \d\d:\d\d UTC$/,
    );
    const aborted = await gray('canary', 'address-service', 'abort');

    expect(aborted.code).toBe(0);
    expect(aborted.out).toBe(
      'aborted the canary on address-service: rolled back address-service: blue (1.0.0-fe220c2) has 100%, green 0%',
    );
    expect(weights()).toEqual({ blue: 100, green: 0 });
    expect((await stack.store.get('address-service'))!.canary).toMatchObject({
      status: 'aborted',
      note: 'aborted by alice',
    });
  });

  it.each([
    [
      ['canary', 'address-service', 'faster'],
      'gray: canary: "faster" is not understood; type `gray canary address-service [steps 1,5,25,50,100] [every 5m]` or `gray canary address-service pause|resume|abort`',
    ],
    [
      ['canary', 'address-service', 'every', '10s'],
      'gray: canary: every "10s" is not an interval from 1m to 1d; write it like every 5m',
    ],
  ])('refuses the words %j with exit 2 before reading anything', async (args, message) => {
    stack.kube.clearLog();

    expect(await gray(...args)).toEqual({ code: 2, out: '', err: message });
    expect(stack.kube.requests).toEqual([]);
  });

  it.each([
    [
      ['canary', 'address-service', 'pause'],
      'gray: canary pause: address-service has no canary running; start one with gray canary address-service',
    ],
    [
      ['canary', 'address-service', 'steps', '50,100'],
      "gray: canary: the first step 50% needs approval (a step of 50 points is above address-service's max step of 25 without approval); start with a smaller first step, like steps 1,5,25,50,100",
    ],
  ])('refuses %j with exit 1 and changes nothing', async (args, message) => {
    await gray('deploy', 'address-service', 'green', '1.0.1-3b7c9e1');

    const result = await gray(...args);

    expect(result).toEqual({ code: 1, out: '', err: message });
    expect(weights()).toEqual({ blue: 100, green: 0 });
  });
});
