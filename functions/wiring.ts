/**
 * Composition root: builds the ReleaseDeps every entry point (CLI, worker, sweeper) hands to the use
 * cases, from the config and the environment. Cluster and Prometheus adapters are loaded and built
 * on first use (a dynamic import of kubernetes/connect.ts) and cached per cluster.
 */
import type { GrayConfig, ServiceConfig } from './config.js';
// Types only: the Kubernetes and Prometheus code itself is loaded on first use (kubernetes/connect.ts).
import type { EksClusterAccess } from './kubernetes/eks-cluster-access.js';
import type { KubernetesClusterOptions } from './kubernetes/kubernetes-cluster.js';
import type { ReleaseDeps } from './release/context.js';
import { ConfigError } from './release/errors.js';
import type { OperationStore } from './release/operations.js';
import {
  type Clock,
  type Cluster,
  type MetricsSource,
  type ReleaseStore,
  systemClock,
} from './release/ports.js';
import { grayDynamoDbClient } from './store/document-client.js';
import { DynamoDbOperationStore } from './store/dynamodb-operation-store.js';
import { DynamoDbReleaseStore } from './store/dynamodb-release-store.js';

/** How to reach clusters: a kubeconfig override for every service (CLI flags), else per-service config. */
export interface ClusterAccessOptions {
  kubeconfigPath?: string;
  kubeconfigYaml?: string;
  /** Overrides every service's `cluster.context`. */
  context?: string;
  kubernetes?: KubernetesClusterOptions;
  /** EKS access for services addressed as `cluster: {eks: …}` (default: one shared per container). */
  eks?: EksClusterAccess;
}

type Connect = typeof import('./kubernetes/connect.js');
let connecting: Promise<Connect> | undefined;
/** Loads the Kubernetes/Prometheus side once, on first use. */
const connect = (): Promise<Connect> => {
  connecting ??= import('./kubernetes/connect.js');
  return connecting;
};

/**
 * Returns `clusterFor(service)`: a Cluster that builds the real KubernetesCluster (kubeconfig or EKS
 * by name, one per distinct cluster, cached for the warm container) on its first call.
 */
export function createClusterResolver(
  options: ClusterAccessOptions = {},
): (service: ServiceConfig) => Cluster {
  let resolver: Promise<(service: ServiceConfig) => Cluster> | undefined;
  const real = (service: ServiceConfig): Promise<Cluster> => {
    resolver ??= connect().then((m) => m.createClusterResolver(options));
    return resolver.then((resolve) => resolve(service));
  };
  const clusters = new Map<string, Cluster>();
  return (service) => {
    let cluster = clusters.get(service.name);
    if (!cluster) {
      const get = () => real(service);
      cluster = {
        read: async (ref) => (await get()).read(ref),
        list: async (kind, namespace, selector) => (await get()).list(kind, namespace, selector),
        create: async (object) => (await get()).create(object),
        edit: async (ref, plan) => (await get()).edit(ref, plan),
        remove: async (ref) => (await get()).remove(ref),
      };
      clusters.set(service.name, cluster);
    }
    return cluster;
  };
}

/** Returns `metricsFor(service)`: the service's Prometheus client, built on its first query. */
export function createMetricsResolver(
  options: ClusterAccessOptions = {},
): (service: ServiceConfig) => MetricsSource {
  let resolver: Promise<(service: ServiceConfig) => MetricsSource> | undefined;
  return (service) => ({
    query: async (promql, atEpochSeconds) => {
      resolver ??= connect().then((m) => m.createMetricsResolver(options));
      return (await resolver)(service).query(promql, atEpochSeconds);
    },
  });
}

const TABLE_NAME_MISSING =
  'GRAY_TABLE_NAME is not set: name the DynamoDB table gray keeps its records in (for the local stack, `npm run stack` prints it with the other exports)';

/** The DynamoDB store on `tableName` ($GRAY_TABLE_NAME); the SDK honours $AWS_ENDPOINT_URL_DYNAMODB. */
export function createReleaseStore(
  tableName = process.env.GRAY_TABLE_NAME,
  client = grayDynamoDbClient(),
): ReleaseStore {
  if (!tableName) throw new ConfigError(TABLE_NAME_MISSING);
  return new DynamoDbReleaseStore(client, tableName);
}

/** The DynamoDB operation store (queued operations, approvals, delivery keys) on the same table. */
export function createOperationStore(
  tableName = process.env.GRAY_TABLE_NAME,
  client = grayDynamoDbClient(),
): OperationStore {
  if (!tableName) throw new ConfigError(TABLE_NAME_MISSING);
  return new DynamoDbOperationStore(client, tableName);
}

/** Assembles ReleaseDeps; every part may be overridden (tests, dry runs). */
export function createReleaseDeps(
  config: GrayConfig,
  parts: Partial<Omit<ReleaseDeps, 'config'>> & { access?: ClusterAccessOptions; clock?: Clock } = {},
): ReleaseDeps {
  const { access, ...rest } = parts;
  return {
    config,
    store: rest.store ?? createReleaseStore(),
    clusterFor: rest.clusterFor ?? createClusterResolver(access),
    metricsFor: rest.metricsFor ?? createMetricsResolver(access),
    clock: rest.clock ?? systemClock,
    ...(rest.onProgress ? { onProgress: rest.onProgress } : {}),
    ...(rest.pollMs !== undefined ? { pollMs: rest.pollMs } : {}),
    ...(rest.newId ? { newId: rest.newId } : {}),
  };
}
