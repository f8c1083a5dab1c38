import { describe, expect, it } from 'vitest';
import { approvalNeeded, authorize, resolveService } from '../../../functions/release/policy.js';
import type { ReleaseRecord } from '../../../functions/release/types.js';
import { seedConfig } from '../../support/memory/harness.js';

const record = (service: string, phase: ReleaseRecord['phase'], green = 0): ReleaseRecord => ({
  service,
  version: 3,
  live: 'blue',
  slots: {},
  weights: { blue: 100 - green, green },
  phase,
  updatedAt: 0,
  updatedBy: 'U0ALICE',
});

function twoServices(channels: [string[], string[]] = [[], []]) {
  const base = seedConfig();
  const first = base.services[0]!;
  return {
    services: [
      { ...first, allowedChannels: channels[0] },
      { ...first, name: 'billing-service', allowedChannels: channels[1] },
    ],
  };
}

describe('resolveService', () => {
  it('picks the one service with a release in progress among those bound to the channel', () => {
    const config = twoServices([['C1'], ['C2']]);

    expect(
      resolveService(config, { verb: 'weight', weight: 5 }, 'C2', [
        record('address-service', 'shifting'),
        record('billing-service', 'ready'),
      ]),
    ).toBe('billing-service');
  });

  it('lists the candidates when several are in progress', () => {
    const config = twoServices();

    expect(() =>
      resolveService(config, { verb: 'promote' }, 'C1', [
        record('address-service', 'shifting'),
        record('billing-service', 'ready'),
      ]),
    ).toThrow(
      'promote: several services have a release in progress here (address-service, billing-service); name one, like /gray promote address-service …',
    );
  });

  it('says none is in progress and lists the bound services', () => {
    expect(() =>
      resolveService(twoServices(), { verb: 'weight', weight: 5 }, 'C1', [
        record('address-service', 'stable'),
      ]),
    ).toThrow(
      'weight: no service has a release in progress in this channel; name one (address-service, billing-service), like /gray weight <service> …',
    );
  });
});

describe('authorize', () => {
  const service = seedConfig({
    allowedUsers: ['U0ALICE'],
    allowedChannels: ['C1'],
    approvers: ['U0APPROVER'],
  }).services[0]!;

  it('lets a listed user act in a listed channel, and an approver too', () => {
    expect(() => authorize(service, 'U0ALICE', 'C1')).not.toThrow();
    expect(() => authorize(service, 'U0APPROVER', 'C1')).not.toThrow();
  });

  it('refuses others by the rule that applies', () => {
    expect(() => authorize(service, 'U0MALLORY', 'C1')).toThrow(
      "<@U0MALLORY> is not in address-service's allowedUsers",
    );
    expect(() => authorize(service, 'U0ALICE', 'C9')).toThrow(
      'address-service is not managed from this channel (allowedChannels); use <#C1>',
    );
  });
});

describe('approvalNeeded', () => {
  const service = seedConfig().services[0]!;

  it('holds a weight step above the max step with the planned weights', () => {
    expect(
      approvalNeeded(
        service,
        { verb: 'weight', service: 'address-service', weight: 30 },
        record('address-service', 'shifting', 1),
      ),
    ).toEqual({
      reason: "a step of 29 points is above address-service's max step of 25",
      before: { weights: { blue: 99, green: 1 } },
      after: { weights: { blue: 70, green: 30 } },
    });
  });

  it('lets a step at the max pass, and holds promote and teardown by default', () => {
    expect(
      approvalNeeded(
        service,
        { verb: 'weight', service: 'address-service', weight: 26 },
        record('address-service', 'shifting', 1),
      ),
    ).toBeUndefined();
    expect(
      approvalNeeded(
        service,
        { verb: 'promote', service: 'address-service' },
        record('address-service', 'shifting', 25),
      )?.after,
    ).toEqual({
      weights: { blue: 0, green: 100 },
    });
    expect(
      approvalNeeded(service, { verb: 'teardown', service: 'address-service', slot: 'blue' }, undefined)
        ?.reason,
    ).toBe(
      "address-service's policy requires approval to tear down a slot; this deletes Deployment address-service-blue",
    );
    expect(
      approvalNeeded(
        { ...service, strategy: 'blue-green' },
        { verb: 'teardown', service: 'address-service', slot: 'blue' },
        {
          ...record('address-service', 'promoted', 100),
          slots: {
            blue: { version: '1.0.0-fe220c2', image: 'i', replicas: 2, deployedAt: 0, status: 'ready' },
          },
        },
      )?.reason,
    ).toBe(
      "address-service's policy requires approval to tear down a slot; this scales to 0 Deployment address-service-blue (1.0.0-fe220c2)",
    );
    expect(
      approvalNeeded(service, { verb: 'rollback', service: 'address-service' }, undefined),
    ).toBeUndefined();
  });
});
