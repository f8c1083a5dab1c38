// Hostile input against every use case, on in-memory ports: each refusal must write nothing to the cluster,
// leave the record alone and say what to type instead. `it.fails` marks a test of the CORRECT behaviour that
// documents a bug (it turns red once fixed; then drop `.fails`).
import { describe, expect, it } from 'vitest';
import { deploy } from '../../../functions/release/deploy.js';
import { clearHeaderRoute, setHeaderRoute } from '../../../functions/release/header-route.js';
import { promote } from '../../../functions/release/promote.js';
import { rollback } from '../../../functions/release/rollback.js';
import { shiftWeight } from '../../../functions/release/shift-weight.js';
import { getHistory, getStatus } from '../../../functions/release/status.js';
import { teardown } from '../../../functions/release/teardown.js';
import { memoryHarness } from '../../support/memory/harness.js';

const base = { service: 'address-service', actor: 'U0ALICE' };
const V1 = '1.0.1-3b7c9e1';

/** A harness with green deployed, plus a check that nothing changed since `snapshot()`. */
async function armed() {
  const h = memoryHarness();
  await deploy(h.deps, { ...base, version: V1 });
  const record = await h.store.get('address-service');
  const writes = h.cluster.writes.length;
  const saves = h.store.saves;
  const audits = h.store.audit.length;
  const unchanged = async () => {
    expect(h.cluster.writes.length).toBe(writes);
    expect(h.store.saves).toBe(saves);
    expect(h.store.audit.length).toBe(audits);
    expect(await h.store.get('address-service')).toEqual(record);
    expect(await h.store.getLock('address-service')).toBeUndefined();
  };
  return { ...h, unchanged };
}

const WEIGHT_HINT = 'must be a whole percent from 0 to 100, like /gray weight address-service 25';

describe('shiftWeight input', () => {
  it.each<[string, number | string]>([
    ['empty', ''],
    ['blank', '   '],
    ['exponent', '1e2'],
    ['hex', '0x19'],
    ['double percent', '25%%'],
    ['plus sign', '+25'],
    ['inner space', '2 5'],
    ['Arabic-Indic digits', '٢٥'],
    ['full-width digits', '２５'],
    ['shell tail', '25;rm -rf /'],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['1e21', 1e21],
    ['fraction', 0.5],
    ['1000', '1000'],
    ['negative zero string', '-0'],
  ])('refuses %s (%j), changing nothing and saying what to type', async (_name, weight) => {
    const h = await armed();

    await expect(shiftWeight(h.deps, { ...base, weight })).rejects.toMatchObject({
      code: 'invalid_input',
      message: `weight "${String(weight)}" ${WEIGHT_HINT}`,
    });
    await h.unchanged();
  });

  it.each<[number | string, number]>([
    [' 25 ', 25],
    ['25%', 25],
    ['025', 25],
    [25.0, 25],
    [-0, 0],
  ])('accepts %j as %i percent', async (weight, green) => {
    const h = await armed();

    await shiftWeight(h.deps, { ...base, weight });

    expect((await h.store.get('address-service'))!.weights).toEqual({ blue: 100 - green, green });
  });
});

describe('deploy input', () => {
  it.each([
    '1.0',
    '1.0.0',
    'v1.0.1-3b7c9e1',
    '1.0.1-3B7C9E1',
    '01.0.1-3b7c9e1',
    '1.0.1-3b7c9e',
    '1.0.1-3b7c9e1:latest',
    '1.0.1-3b7c9e1@sha256',
    '1.0.1-3b7c9e1 && curl evil',
    '1.0.1-3b7c9е1',
    '',
    'green',
  ])('refuses version %j, changing nothing', async (version) => {
    const h = await armed();

    await expect(deploy(h.deps, { ...base, slot: 'green', version })).rejects.toMatchObject({
      code: 'invalid_input',
      message: `version "${version}" must be semver plus the git short SHA, like 1.4.0-fe220c2 or 2.0.0-rc.1-fe220c2`,
    });
    await h.unchanged();
  });

  it('refuses a version too long for a label value, naming the limit', async () => {
    const h = await armed();
    const version = `1.0.1-${'a'.repeat(60)}-3b7c9e1`;

    await expect(deploy(h.deps, { ...base, version })).rejects.toThrow(
      `version "${version}" is 74 characters; labels allow at most 63`,
    );
    await h.unchanged();
  });

  it.each(['purple', '', 'blue green', 'bluе', 'live', '*'])(
    'refuses slot %j, saying to type blue or green',
    async (slot) => {
      const h = await armed();

      await expect(deploy(h.deps, { ...base, slot, version: V1 })).rejects.toThrow(
        `slot "${slot}" is not blue or green; type blue or green, or leave it out for the idle slot`,
      );
      await expect(teardown(h.deps, { ...base, slot })).rejects.toThrow(
        `slot "${slot}" is not blue or green; type blue or green, like /gray teardown address-service blue`,
      );
      await h.unchanged();
    },
  );
});

describe('setHeaderRoute input', () => {
  it.each([
    '',
    'x latest',
    'x=y',
    'x-😀',
    'host',
    'Content-Length',
    ':authority',
    'x-latest-version\r\nx-evil',
    'x-lätest',
  ])('refuses header name %j, suggesting x-latest-version', async (header) => {
    const h = await armed();

    await expect(setHeaderRoute(h.deps, { ...base, header, value: 'true' })).rejects.toThrow(
      `header name "${header}" is not usable; use a custom header such as x-latest-version (letters, digits, -)`,
    );
    await h.unchanged();
  });

  it.each(['', ' true', 'true ', 'a\u0000b', 'tr\nue', 'ü', 'x'.repeat(257)])(
    'refuses header value %j, saying 1–256 visible characters',
    async (value) => {
      const h = await armed();

      await expect(setHeaderRoute(h.deps, { ...base, header: 'x-latest-version', value })).rejects.toThrow(
        `header value "${value}" must be 1–256 visible characters, like true`,
      );
      await h.unchanged();
    },
  );

  it('keeps `=` and inner spaces of a value and lower-cases the name', async () => {
    const h = await armed();

    await setHeaderRoute(h.deps, { ...base, header: ' X-Cohort ', value: 'a=b c' });

    expect((await h.store.get('address-service'))!.headerRoute).toEqual({
      header: 'x-cohort',
      values: ['a=b c'],
      slot: 'green',
    });
  });

  it.each<[string, string[]]>([
    ['no users', []],
    ['51 users', Array.from({ length: 51 }, (_, i) => `u${i}`)],
  ])('refuses a cohort of %s, saying 1 to 50 ids', async (_name, users) => {
    const h = await armed();

    await expect(setHeaderRoute(h.deps, { ...base, users })).rejects.toThrow(
      'users: give 1 to 50 user ids separated by commas, like /gray route address-service users u1,u2',
    );
    await h.unchanged();
  });

  // Was a bug (medium, fixed): header names have no length limit (values stop at 256). A name longer than Envoy's whole
  // request-header budget (60 KiB by default) can never match, and at ~200 KB the audit event no longer fits
  // a DynamoDB item (see attack-faults: the cluster is patched, then the record write fails).
  it('refuses a header name longer than any proxy accepts', async () => {
    const h = await armed();
    const header = `x-${'a'.repeat(70_000)}`;

    await expect(setHeaderRoute(h.deps, { ...base, header, value: 'true' })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    await h.unchanged();
  });
});

describe('unknown services', () => {
  const known = 'configured services: address-service';
  it.each(['billing', 'Address-Service', 'address-service ', '', '../address-service', 'address‐service'])(
    'every use case refuses %j naming the configured services, before touching anything',
    async (service) => {
      const h = await armed();
      const input = { service, actor: 'U0ALICE' };
      const message = `unknown service "${service}"; ${known}`;

      for (const call of [
        () => deploy(h.deps, { ...input, version: V1 }),
        () => shiftWeight(h.deps, { ...input, weight: 5 }),
        () => setHeaderRoute(h.deps, { ...input, header: 'x-a', value: 'b' }),
        () => clearHeaderRoute(h.deps, input),
        () => promote(h.deps, input),
        () => rollback(h.deps, input),
        () => teardown(h.deps, { ...input, slot: 'blue' }),
        () => getStatus(h.deps, input),
        () => getHistory(h.deps, input),
      ]) {
        await expect(call()).rejects.toMatchObject({ code: 'unknown_service', message });
      }
      await h.unchanged();
    },
  );
});

describe('refusals inside the lock', () => {
  // Was a bug (low, fixed): a refusal found after the lock is taken (deploy to the live slot, weight to a missing slot,
  // promote an unready slot) still Puts the record: version + 1, updatedAt, and updatedBy = the refused
  // actor, as if they had changed the release. The audit event and lock release need no record write.
  it('leaves the record untouched (version, updatedBy) when deploy to the live slot is refused', async () => {
    const h = await armed();
    const before = await h.store.get('address-service');

    await expect(
      deploy(h.deps, { ...base, actor: 'U0MALLORY', slot: 'blue', version: V1 }),
    ).rejects.toMatchObject({ code: 'refused' });

    expect(await h.store.get('address-service')).toEqual(before);
    expect(h.store.audit.at(-1)).toMatchObject({ actor: 'U0MALLORY', result: 'refused' });
  });
});
