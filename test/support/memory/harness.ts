import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { type GrayConfig, parseGrayConfig } from '../../../functions/config.js';
import type { ReleaseDeps } from '../../../functions/release/context.js';
import type { KubeObject } from '../../../functions/release/ports.js';
import { FakeClock } from './fake-clock.js';
import { MemoryCluster } from './memory-cluster.js';
import { MemoryReleaseStore } from './memory-release-store.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/happyride');

/** The seed's happyride objects from test/fixtures/happyride/*.yaml (Service, DestinationRule, VirtualService, Deployment blue). */
export function loadSeedObjects(): KubeObject[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) =>
      parseAllDocuments(readFileSync(join(FIXTURES, f), 'utf8')).map((d) => d.toJS() as KubeObject),
    );
}

/** The seed's address-service config with overrides (e.g. `{ strategy: 'blue-green' }`). */
export function seedConfig(overrides: Record<string, unknown> = {}): GrayConfig {
  return parseGrayConfig({
    services: [
      {
        name: 'address-service',
        namespace: 'happyride',
        host: 'address-service.happyride.svc.cluster.local',
        image: 'happyride/happyride-address-service',
        port: 8080,
        replicas: 2,
        strategy: 'red-black',
        bakeTime: '30m',
        rolloutTimeout: '60s',
        approvers: ['U0APPROVER'],
        ...overrides,
      },
    ],
  });
}

/** In-memory deps seeded with the happyride objects: store, cluster, fake clock, progress log. */
export function memoryHarness(overrides: Record<string, unknown> = {}) {
  const store = new MemoryReleaseStore();
  const cluster = new MemoryCluster();
  for (const object of loadSeedObjects()) cluster.put(object);
  const clock = new FakeClock();
  const progress: string[] = [];
  let id = 0;
  const deps: ReleaseDeps = {
    config: seedConfig(overrides),
    store,
    clusterFor: () => cluster,
    clock,
    pollMs: 1000,
    newId: () => `id-${++id}`,
    onProgress: (e) => {
      progress.push(e.message);
    },
  };
  return { deps, store, cluster, clock, progress };
}
