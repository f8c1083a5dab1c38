// A release engine wired to real local servers: DynamoDB Local (one table per call) and our Kubernetes
// API server over HTTPS seeded with happyride, reached through the real adapters and client-node.
import type { ReleaseDeps } from '../../functions/release/context.js';
import type { Clock } from '../../functions/release/ports.js';
import { DynamoDbReleaseStore } from '../../functions/store/dynamodb-release-store.js';
import { createReleaseDeps } from '../../functions/wiring.js';
import { createTestTable, type TestTable } from './dynamodb-table.js';
import {
  type KubeApiServer,
  type KubeApiServerOptions,
  startKubeApiServer,
} from './kube-api-server/index.js';
import { seedHappyride } from './kube-api-server/seed.js';
import { seedConfig } from './memory/harness.js';

/** Deps on real adapters plus handles on both servers. */
export interface ReleaseStack {
  deps: ReleaseDeps;
  kube: KubeApiServer;
  table: TestTable;
  store: DynamoDbReleaseStore;
  progress: string[];
  /** Milliseconds the Kubernetes adapter asked to sleep (Retry-After, conflict backoff); not actually slept. */
  sleeps: number[];
  close(): Promise<void>;
}

/** Starts a seeded Kubernetes API server and a fresh table on the DynamoDB Local at `dynamoEndpoint`. */
export async function startReleaseStack(
  dynamoEndpoint: string,
  options: {
    kube?: KubeApiServerOptions;
    config?: Record<string, unknown>;
    services?: Record<string, unknown>[];
    clock?: Clock;
  } = {},
): Promise<ReleaseStack> {
  const [kube, table] = await Promise.all([
    startKubeApiServer({ rolloutDelayMs: 30, ...options.kube }),
    createTestTable(dynamoEndpoint),
  ]);
  seedHappyride(kube);
  const store = new DynamoDbReleaseStore(table.client, table.tableName);
  const progress: string[] = [];
  const sleeps: number[] = [];
  const config = seedConfig(options.config);
  if (options.services)
    config.services.push(
      ...options.services.map(
        (extra) => ({ ...config.services[0]!, ...extra }) as (typeof config.services)[number],
      ),
    );
  const deps = createReleaseDeps(config, {
    store,
    ...(options.clock ? { clock: options.clock } : {}),
    pollMs: 20,
    access: {
      kubeconfigYaml: kube.kubeConfigYaml('happyride'),
      kubernetes: {
        minBackoffMs: 10,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      },
    },
    onProgress: (e) => {
      progress.push(e.message);
    },
  });
  return {
    deps,
    kube,
    table,
    store,
    progress,
    sleeps,
    close: async () => {
      await kube.close();
      await table.drop();
    },
  };
}
