/**
 * Composition root: builds the ReleaseDeps every entry point (CLI, worker, sweeper) hands to the use
 * cases, from the config and the environment. Adapters are created lazily and cached per cluster.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { GrayConfig, ServiceConfig } from './config.js';
import { EksClusterAccess } from './kubernetes/eks-cluster-access.js';
import { eksKubeConfigSource } from './kubernetes/eks-kubeconfig.js';
import { kubeConfigFileSource } from './kubernetes/kubeconfig-source.js';
import { KubernetesCluster, type KubernetesClusterOptions } from './kubernetes/kubernetes-cluster.js';
import type { ReleaseDeps } from './release/context.js';
import { ConfigError } from './release/errors.js';
import type { OperationStore } from './release/operations.js';
import { type Clock, type Cluster, type ReleaseStore, systemClock } from './release/ports.js';
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

let sharedEksAccess: EksClusterAccess | undefined;

/**
 * Returns `clusterFor(service)`: one KubernetesCluster per distinct cluster, cached for the warm
 * container. `{eks: {name, region}}` services reach EKS by name (DescribeCluster + a presigned STS
 * token); `{context}` services, or any service when a kubeconfig is passed, use the kubeconfig.
 */
export function createClusterResolver(
  options: ClusterAccessOptions = {},
): (service: ServiceConfig) => Cluster {
  const clusters = new Map<string, Cluster>();
  return (service) => {
    const kubeconfigGiven = options.context || options.kubeconfigPath || options.kubeconfigYaml;
    if ('eks' in service.cluster && !kubeconfigGiven) {
      const { name, region } = service.cluster.eks;
      const key = `eks:${region}/${name}`;
      let cluster = clusters.get(key);
      if (!cluster) {
        sharedEksAccess ??= new EksClusterAccess();
        const source = eksKubeConfigSource(options.eks ?? sharedEksAccess, name, region, service.namespace);
        cluster = new KubernetesCluster(source, options.kubernetes);
        clusters.set(key, cluster);
      }
      return cluster;
    }
    const context = options.context ?? ('context' in service.cluster ? service.cluster.context : undefined);
    const key = context ?? '(current)';
    let cluster = clusters.get(key);
    if (!cluster) {
      cluster = new KubernetesCluster(
        kubeConfigFileSource({
          ...(options.kubeconfigPath ? { path: options.kubeconfigPath } : {}),
          ...(options.kubeconfigYaml ? { yaml: options.kubeconfigYaml } : {}),
          ...(context ? { context } : {}),
        }),
        options.kubernetes,
      );
      clusters.set(key, cluster);
    }
    return cluster;
  };
}

/** The DynamoDB store on `tableName` ($GRAY_TABLE_NAME); the SDK honours $AWS_ENDPOINT_URL_DYNAMODB. */
export function createReleaseStore(
  tableName = process.env.GRAY_TABLE_NAME,
  client = new DynamoDBClient({}),
): ReleaseStore {
  if (!tableName)
    throw new ConfigError('GRAY_TABLE_NAME is not set: name the DynamoDB table gray keeps its records in');
  return new DynamoDbReleaseStore(client, tableName);
}

/** The DynamoDB operation store (queued operations, approvals, delivery keys) on the same table. */
export function createOperationStore(
  tableName = process.env.GRAY_TABLE_NAME,
  client = new DynamoDBClient({}),
): OperationStore {
  if (!tableName)
    throw new ConfigError('GRAY_TABLE_NAME is not set: name the DynamoDB table gray keeps its records in');
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
    clock: rest.clock ?? systemClock,
    ...(rest.onProgress ? { onProgress: rest.onProgress } : {}),
    ...(rest.pollMs !== undefined ? { pollMs: rest.pollMs } : {}),
    ...(rest.newId ? { newId: rest.newId } : {}),
  };
}
