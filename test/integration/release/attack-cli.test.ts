// Hostile command lines against `gray` (runCli) on the real stack: each refusal must exit non-zero with a
// one-line message that says what to type, write nothing to the cluster (request log) and leave the release
// alone. `it.fails` marks a test of the CORRECT behaviour that documents a bug (drop `.fails` once fixed).
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { ReleaseRecord } from '../../../functions/release/types.js';
import { type GrayCli, grayCliFor } from '../../support/cli-runner.js';
import { type ReleaseStack, startReleaseStack } from '../../support/release-stack.js';

const SVC = 'address-service';
let stack: ReleaseStack;
let gray: GrayCli;

/** What a release is, without the bookkeeping fields a refused operation may bump. */
const substance = (r: ReleaseRecord | undefined) =>
  r && { live: r.live, slots: r.slots, weights: r.weights, headerRoute: r.headerRoute, phase: r.phase };

// One stack for the file: every case below must leave it exactly as it found it.
beforeAll(async () => {
  stack = await startReleaseStack(inject('dynamoEndpoint'));
  // A short rollout timeout so the dry-run deploy bug below costs 1 s, not a minute.
  gray = grayCliFor(stack, { service: { rolloutTimeout: 1 } });
  expect((await gray('deploy', SVC, 'green', '1.0.1-3b7c9e1')).code).toBe(0);
});
afterAll(() => stack.close());
beforeEach(() => stack.kube.clearLog());

describe('gray refuses bad command lines and changes nothing', () => {
  it.each<[string[], number, string]>([
    [
      ['weight', SVC, '101'],
      2,
      'gray: weight "101" must be a whole percent from 0 to 100, like gray weight address-service 25',
    ],
    [['weight', SVC, '33.3'], 2, 'gray: weight "33.3" must be a whole percent'],
    [['weight', SVC, 'twenty'], 2, 'gray: weight "twenty" must be a whole percent'],
    [['weight', SVC, '١٠'], 2, 'gray: weight "١٠" must be a whole percent'],
    [['deploy', SVC, 'green'], 2, 'gray: version "green" must be semver plus the git short SHA'],
    [
      ['deploy', SVC, 'purple', '1.0.1-3b7c9e1'],
      2,
      'gray: slot "purple" is not blue or green; type blue or green',
    ],
    [['deploy', SVC, 'green', '1.0.1-3b7c9e1;id'], 2, 'gray: version "1.0.1-3b7c9e1;id" must be semver'],
    [
      ['route', SVC, 'header', 'x latest=true'],
      2,
      'gray: header name "x latest" is not usable; use a custom header',
    ],
    [
      ['route', SVC, 'header', 'x-latest-version'],
      2,
      'gray: route: type `gray route address-service header <name>=<value>`, `gray route address-service users <id,…>` or `gray route address-service off`, like `gray route address-service header x-latest-version=true`',
    ],
    [['route', SVC, 'header', '=true'], 2, 'gray: header name "" is not usable'],
    [['route', SVC, 'header', 'x-a= true'], 2, 'gray: header value " true" must be 1–256 visible characters'],
    [['route', SVC, 'header', 'x-a=ü'], 2, 'gray: header value "ü" must be 1–256 visible characters'],
    [['route', SVC, 'users', ',,'], 2, 'gray: users: give 1 to 50 user ids separated by commas'],
    [['weight', SVC, '-5'], 2, 'gray: weight "-5" must be a whole percent from 0 to 100'],
    [
      ['route', SVC, 'OFF'],
      2,
      'gray: route: "OFF" is not header, users or off; type `gray route address-service header <name>=<value>`',
    ],
    [['teardown', SVC, 'bluе'], 2, 'gray: slot "bluе" is not blue or green'],
    [
      ['history', SVC, 'abc'],
      2,
      'gray: history: n "abc" must be a whole number from 1 to 100, like `gray history',
    ],
    [['weight', 'billing', '5'], 2, 'gray: unknown service "billing"; configured services: address-service'],
    [['status', 'Address-Service'], 2, 'gray: unknown service "Address-Service"; configured services'],
    [['history', SVC, '0'], 2, 'gray: history: n "0" must be a whole number from 1 to 100'],
    [['history', SVC, '101'], 2, 'gray: history: n "101" must be a whole number from 1 to 100'],
    [['history', '../address-service'], 2, 'gray: unknown service "../address-service"'],
  ])('%j → exit %i, %s', async (args, exit, message) => {
    const before = await stack.store.get(SVC);
    const audits = (await stack.store.history(SVC, 100)).length;

    const result = await gray(...args);

    expect(result.code).toBe(exit);
    expect(result.err).toContain(message);
    expect(result.err.split('\n')).toHaveLength(1);
    expect(stack.kube.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(await stack.store.get(SVC)).toEqual(before);
    expect((await stack.store.history(SVC, 100)).length).toBe(audits);
  });

  it.each<[string[], string]>([
    [['teardown', SVC, 'blue'], 'gray: teardown: address-service blue is the live slot'],
    [['deploy', SVC, 'blue', '1.0.2-3b7c9e2'], 'gray: deploy: address-service blue carries 100% of traffic'],
  ])('%j is refused inside the lock: exit 1, audited as refused, no cluster write', async (args, message) => {
    const before = await stack.store.get(SVC);

    const result = await gray(...args);

    expect(result).toMatchObject({ code: 1, out: '' });
    expect(result.err).toContain(message);
    expect(stack.kube.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(substance(await stack.store.get(SVC))).toEqual(substance(before));
    expect((await stack.store.history(SVC, 1))[0]).toMatchObject({ actor: 'U0ALICE', result: 'refused' });
    expect(await stack.store.getLock(SVC)).toBeUndefined();
  });

  it.each([
    ['promote', SVC],
    ['teardown', SVC, 'green'],
    ['route', SVC, 'header', 'x-latest-version=true'],
  ])('--dry-run %s %s … writes nothing, records nothing, takes no lock', async (...args) => {
    const before = await stack.store.get(SVC);
    const audits = (await stack.store.history(SVC, 100)).length;

    const result = await gray('--dry-run', ...args);

    expect(result.out).toContain('--dry-run: nothing was changed. Planned changes:');
    expect(stack.kube.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(await stack.store.get(SVC)).toEqual(before);
    expect((await stack.store.history(SVC, 100)).length).toBe(audits);
    expect(await stack.store.getLock(SVC)).toBeUndefined();
  });

  // Was a bug (medium, fixed): DryRunCluster marks an edited Deployment rolled out without `observedGeneration`, so
  // readRolloutProgress never sees the new generation observed: `gray --dry-run deploy` into an existing slot
  // (every second blue/green release) polls for the whole rolloutTimeout (default 10 min), then prints
  // "was not ready after …s" and exits 1. A new Deployment (no generation yet) is unaffected.
  it('--dry-run deploy into an existing slot prints the plan at once', async () => {
    const result = await gray('--dry-run', 'deploy', SVC, 'green', '1.0.2-3b7c9e2');

    expect(result.err).not.toContain('was not ready');
    expect(result.code).toBe(0);
    expect(result.out).toContain('+          image: happyride/happyride-address-service:1.0.2-3b7c9e2');
    // At once = no polling: green is read for the plan and once by the rollout wait, not until the timeout.
    const greenReads = stack.kube.requests.filter((r) =>
      r.path.endsWith('/deployments/address-service-green'),
    );
    expect(greenReads.map((r) => r.method)).toEqual(['GET', 'GET']);
    expect(stack.kube.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  // Was a bug (low, fixed): `--as ""` is taken as the actor, so the audit log records an action by nobody.
  it('refuses an empty --as instead of auditing an action by nobody', async () => {
    const result = await gray('--as', '', 'route', SVC, 'off');

    expect(result.code).toBe(2);
    expect((await stack.store.history(SVC, 1))[0]?.actor).not.toBe('');
  });

  // Was a bug (low, fixed): --approve is documented as "(audited)", but the audit event of an approved step says only
  // "weight 60": nothing shows that the max-step policy was overridden, or by whom.
  it('an --approve step is visible as approved in the audit log', async () => {
    expect((await gray('--approve', 'weight', SVC, '60')).code).toBe(0);

    const [event] = await stack.store.history(SVC, 1);
    await gray('--approve', 'weight', SVC, '0');

    expect(JSON.stringify(event)).toMatch(/approv/i);
  });
});
