// Figure 5 (sweeper scaling): DynamoDB requests and consumed capacity of one sweep with 100 vs 10,000
// stored releases, 3 of them with a due teardown. The sweep reads only what is due (Queries on the
// due index) plus the configured services, so both must cost exactly the same.
import { parseGrayConfig } from '../functions/config.js';
import { systemClock } from '../functions/release/ports.js';
import { sweep } from '../functions/release/sweep.js';
import { DynamoDbOperationStore } from '../functions/store/dynamodb-operation-store.js';
import { DynamoDbReleaseStore } from '../functions/store/dynamodb-release-store.js';
import { createClusterResolver } from '../functions/wiring.js';
import { createTestTable } from '../test/support/dynamodb-table.js';
import { startKubeApiServer } from '../test/support/kube-api-server/index.js';
import { seedHappyride } from '../test/support/kube-api-server/seed.js';
import { putItems, storedReleaseItem } from '../test/support/stored-releases.js';
import { meterConsumedCapacity } from './support/consumed-capacity.js';
import { describeCounts } from './support/dynamodb-calls.js';
import type { BenchSizes, FigureResult } from './support/figure.js';

const DUE = ['due-1', 'due-2', 'due-3'];

/** address-service plus the three services whose teardown is due (their objects are not in the cluster). */
function benchConfig() {
  return parseGrayConfig({
    services: ['address-service', ...DUE].map((name) => ({
      name,
      namespace: 'happyride',
      host: `${name}.happyride.svc.cluster.local`,
      image: `happyride/happyride-${name}`,
      port: 8080,
    })),
  });
}

interface SweepCost {
  requests: Record<string, number>;
  capacity: Record<string, number>;
  capacityUnits: number;
  blocked: string[];
}

/** Stores `unrelated` settled releases plus 3 due ones in a fresh table, runs one sweep, returns its cost. */
async function sweepCost(
  dynamoEndpoint: string,
  kubeconfigYaml: string,
  unrelated: number,
): Promise<SweepCost> {
  const table = await createTestTable(dynamoEndpoint, 'gray-bench-sweep');
  try {
    const now = Math.floor(Date.now() / 1000);
    const items = [
      ...Array.from({ length: unrelated }, (_, i) => storedReleaseItem(`svc-${i}`)),
      ...DUE.map((service) => storedReleaseItem(service, now - 60)),
    ];
    await putItems(table, items);
    const meter = meterConsumedCapacity(table.client);
    table.requests.reset();
    const report = await sweep({
      config: benchConfig(),
      store: new DynamoDbReleaseStore(table.client, table.tableName),
      operations: new DynamoDbOperationStore(table.client, table.tableName),
      clusterFor: createClusterResolver({ kubeconfigYaml, kubernetes: { minBackoffMs: 10 } }),
      clock: systemClock,
    });
    return {
      requests: table.requests.snapshot(),
      capacity: meter.snapshot(),
      capacityUnits: meter.total(),
      blocked: [...report.blocked].sort(),
    };
  } finally {
    await table.drop();
  }
}

/** Measures figure 5 on the DynamoDB Local at `dynamoEndpoint` (sizes.sweeperSmall vs sweeperLarge stored releases). */
export async function measureSweeperScaling(
  dynamoEndpoint: string,
  sizes: BenchSizes,
): Promise<FigureResult> {
  const kube = await startKubeApiServer();
  try {
    seedHappyride(kube);
    const yaml = kube.kubeConfigYaml('happyride');
    const small = await sweepCost(dynamoEndpoint, yaml, sizes.sweeperSmall);
    const large = await sweepCost(dynamoEndpoint, yaml, sizes.sweeperLarge);
    for (const cost of [small, large]) {
      if (JSON.stringify(cost.blocked) !== JSON.stringify(DUE))
        throw new Error(`bench: the sweep handled ${cost.blocked.join(', ')} instead of the 3 due teardowns`);
    }
    const sameRequests = JSON.stringify(sorted(small.requests)) === JSON.stringify(sorted(large.requests));
    const sameCapacity = JSON.stringify(sorted(small.capacity)) === JSON.stringify(sorted(large.capacity));
    const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
    const view = (cost: SweepCost) => ({
      requests: cost.requests,
      totalRequests: total(cost.requests),
      capacityUnits: cost.capacityUnits,
      capacityByOperation: cost.capacity,
    });
    const stored = (n: number) => (n + DUE.length).toLocaleString('en-US');
    return {
      id: '5-sweeper-scaling',
      name: `Sweeper: DynamoDB cost of one sweep, ${stored(sizes.sweeperLarge)} vs ${stored(sizes.sweeperSmall)} stored releases`,
      value: view(large),
      baseline: view(small),
      ratio: ratio(total(large.requests), total(small.requests)),
      ratios: { capacityUnits: ratio(large.capacityUnits, small.capacityUnits) },
      target: 'equal (requests and consumed capacity)',
      pass: sameRequests && sameCapacity,
      summary:
        `${total(large.requests)} requests / ${large.capacityUnits} capacity units vs ${total(small.requests)} / ` +
        `${small.capacityUnits} (${describeCounts(large.requests)})`,
      how:
        `Two fresh tables on DynamoDB Local, one with ${stored(sizes.sweeperSmall)} and one with ` +
        `${stored(sizes.sweeperLarge)} stored release records, 3 of them (due-1..3, configured services whose ` +
        'objects are not in the cluster) with a teardown due a minute ago; one `sweep()` each through the ' +
        'real `DynamoDbReleaseStore` / `DynamoDbOperationStore` and the Kubernetes adapter against our API ' +
        'server (the live slot is missing there, so each due teardown is re-checked and recorded as blocked, ' +
        'which the bench checks); those 3 records then count as recently changed, so the same sweep checks ' +
        'them for drift, finds their objects missing and records the drift (a lock, two reads and a ' +
        'commit each) — in both tables alike. Requests counted by operation by the counting client; consumed capacity ' +
        "from DynamoDB Local's own `ConsumedCapacity` (the bench sets `ReturnConsumedCapacity: TOTAL` on the " +
        'wire for every request; the stores do not ask for it).',
    };
  } finally {
    await kube.close();
  }
}

function sorted(counts: Record<string, number>): [string, number][] {
  return Object.entries(counts).sort(([a], [b]) => a.localeCompare(b));
}

function ratio(a: number, b: number): number {
  return b === 0 ? (a === 0 ? 1 : Number.POSITIVE_INFINITY) : Math.round((a / b) * 100) / 100;
}
