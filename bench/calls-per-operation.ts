// Figures 3a and 3b (calls per operation): the Kubernetes and DynamoDB requests of one warm weight
// shift, and the EKS/STS-side work it causes, with the cluster reached as in production: by EKS name
// (DescribeCluster against a loopback EKS API, a locally presigned STS token that our Kubernetes API
// server verifies).
import { type EksAccessStats, EksClusterAccess } from '../functions/kubernetes/eks-cluster-access.js';
import type { EksCredentials } from '../functions/kubernetes/eks-token.js';
import { deploy } from '../functions/release/deploy.js';
import { shiftWeight } from '../functions/release/shift-weight.js';
import { DynamoDbReleaseStore } from '../functions/store/dynamodb-release-store.js';
import { createReleaseDeps } from '../functions/wiring.js';
import { createTestTable } from '../test/support/dynamodb-table.js';
import { startEksApiServer } from '../test/support/eks-api-server.js';
import { checkEksToken } from '../test/support/eks-token-verifier.js';
import { startKubeApiServer } from '../test/support/kube-api-server/index.js';
import { seedHappyride } from '../test/support/kube-api-server/seed.js';
import { seedConfig } from '../test/support/memory/harness.js';
import { describeCounts, readsAndWrites } from './support/dynamodb-calls.js';
import type { FigureResult } from './support/figure.js';

const REGION = 'eu-west-1';
const CLUSTER = 'happyride';
const SERVICE = 'address-service';
const CREDENTIALS: EksCredentials = {
  accessKeyId: 'ASIABENCH00000000001',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'bench-session',
};
const KUBE_READS = new Set(['get', 'list', 'watch']);

/** What one operation cost: Kubernetes requests by `"<verb> <resource>"`, DynamoDB by operation, EKS side. */
interface OperationCalls {
  kubernetes: Record<string, number>;
  dynamodb: Record<string, number>;
  eks: { describeClusterRequests: number; tokensSigned: number; credentialResolutions: number };
}

/**
 * Measures figures 3a and 3b on the DynamoDB Local at `dynamoEndpoint`: a deploy of green (the cold
 * first operation), then two warm weight shifts (25, then 20) whose calls must be identical.
 */
export async function measureCallsPerOperation(dynamoEndpoint: string): Promise<FigureResult[]> {
  const kube = await startKubeApiServer({
    rolloutDelayMs: 30,
    authenticate: (token) =>
      checkEksToken(token, {
        clusterName: CLUSTER,
        stsHost: `sts.${REGION}.amazonaws.com`,
        secretAccessKey: CREDENTIALS.secretAccessKey,
      }) === undefined,
  });
  const eks = await startEksApiServer([{ name: CLUSTER, endpoint: kube.url, caData: kube.caData }], REGION);
  const table = await createTestTable(dynamoEndpoint, 'gray-bench-calls');
  try {
    seedHappyride(kube);
    let credentialResolutions = 0;
    const access = new EksClusterAccess({
      credentials: async () => {
        credentialResolutions++;
        return CREDENTIALS;
      },
      eksEndpoint: eks.endpoint,
    });
    const deps = createReleaseDeps(seedConfig({ cluster: { eks: { name: CLUSTER, region: REGION } } }), {
      store: new DynamoDbReleaseStore(table.client, table.tableName),
      access: { eks: access, kubernetes: { minBackoffMs: 10 } },
      pollMs: 20,
    });
    const measure = async (operation: () => Promise<unknown>): Promise<OperationCalls> => {
      kube.clearLog();
      table.requests.reset();
      const before: EksAccessStats = access.stats;
      const eksBefore = eks.requests.length;
      const credentialsBefore = credentialResolutions;
      await operation();
      if (kube.unauthorizedCount() > 0) throw new Error('bench: the EKS token was refused');
      return {
        kubernetes: kube.counters(),
        dynamodb: table.requests.snapshot(),
        eks: {
          describeClusterRequests: eks.requests.length - eksBefore,
          tokensSigned: access.stats.tokenMints - before.tokenMints,
          credentialResolutions: credentialResolutions - credentialsBefore,
        },
      };
    };
    const actor = 'U0ALICE';
    const cold = await measure(() => deploy(deps, { service: SERVICE, actor, version: '1.0.1-3b7c9e1' }));
    const warm = await measure(() => shiftWeight(deps, { service: SERVICE, actor, weight: 25 }));
    const again = await measure(() => shiftWeight(deps, { service: SERVICE, actor, weight: 20 }));
    if (JSON.stringify(warm) !== JSON.stringify(again)) {
      throw new Error(
        `bench: two warm weight shifts differed: ${JSON.stringify(warm)} vs ${JSON.stringify(again)}`,
      );
    }
    const vs = kube.getObject('virtualservices', 'happyride', `${SERVICE}-deployment`);
    const http = (vs?.spec as { http?: { route: { weight?: number }[] }[] } | undefined)?.http;
    const weights = http?.[0]?.route.map((d) => d.weight);
    if (JSON.stringify(weights) !== '[80,20]') throw new Error(`bench: the shifts left weights ${weights}`);
    return [kubernetesFigure(warm), eksFigure(cold, warm)];
  } finally {
    await Promise.all([kube.close(), eks.close(), table.drop()]);
  }
}

function kubernetesFigure(calls: OperationCalls): FigureResult {
  let reads = 0;
  let writes = 0;
  for (const [key, n] of Object.entries(calls.kubernetes)) {
    if (KUBE_READS.has(key.split(' ')[0] ?? '')) reads += n;
    else writes += n;
  }
  const dynamo = readsAndWrites(calls.dynamodb);
  const kubeList = describeCounts(calls.kubernetes);
  return {
    id: '3a-weight-shift-calls',
    name: 'Kubernetes requests of one weight shift',
    value: { reads, writes, kubernetes: calls.kubernetes, dynamodb: calls.dynamodb },
    baseline: null,
    ratio: null,
    target: '1 Kubernetes read + 1 write',
    pass: reads <= 1 && writes === 1,
    summary: `${reads} reads + ${writes} write (${kubeList}); DynamoDB ${dynamo.reads} read + ${dynamo.writes} writes (${describeCounts(calls.dynamodb)})`,
    how:
      '`shiftWeight(deps, {service, weight})` through the real adapters (`KubernetesCluster` on client-node over ' +
      'HTTPS to our Kubernetes API server, `DynamoDbReleaseStore` on DynamoDB Local), green deployed first; ' +
      "requests counted from the API server's request log (`counters()`, by verb and resource) and by the " +
      'counting DynamoDB client, for two warm shifts (25 %, then 20 %) that must match exactly.',
    notes:
      reads > 1 || writes !== 1
        ? 'A warm shift reads the slots with one LIST and patches the VirtualService planned on the ' +
          "adapter's last copy. Extra reads mean that copy was missing or stale (a 422 on its resourceVersion " +
          'test, then a re-read), a slot was missing from the LIST (a GET by name), or the DestinationRule ' +
          "subsets were not yet noted in the record (ensureSubset reads them once); the request log's verbs " +
          'and resources above say which.'
        : '',
  };
}

function eksFigure(cold: OperationCalls, warm: OperationCalls): FigureResult {
  const total = warm.eks.describeClusterRequests + warm.eks.tokensSigned + warm.eks.credentialResolutions;
  return {
    id: '3b-warm-eks-sts-calls',
    name: 'STS/EKS calls of a warm weight shift',
    value: { warm: warm.eks, cold: cold.eks },
    baseline: null,
    ratio: null,
    target: '0 STS/EKS calls when warm',
    pass: total === 0,
    summary:
      `warm: ${warm.eks.describeClusterRequests} DescribeCluster, ${warm.eks.tokensSigned} tokens signed, ` +
      `${warm.eks.credentialResolutions} credential look-ups (cold first operation: ` +
      `${cold.eks.describeClusterRequests} / ${cold.eks.tokensSigned} / ${cold.eks.credentialResolutions})`,
    how:
      'The same run as 3a with the service addressed as `cluster: {eks: {name, region}}`, reached through ' +
      '`EksClusterAccess` (the production path): DescribeCluster goes to the loopback EKS API of ' +
      '`test/support/eks-api-server.ts` (requests counted there), the bearer token is a locally presigned STS ' +
      "`GetCallerIdentity` URL that our Kubernetes API server verifies (every request's token checked), " +
      'tokens signed are `EksClusterAccess.stats.tokenMints`, and credential look-ups are calls of the ' +
      'credential provider (the default chain could reach STS there). gray has no STS client: each new token ' +
      "is what makes the cluster's authenticator call STS, so tokens signed stand for STS calls. The first " +
      'operation (a deploy) is the cold one; the figure is the weight shift after it.',
  };
}
