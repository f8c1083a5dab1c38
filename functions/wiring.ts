/**
 * Composition root: builds the ReleaseDeps every entry point (CLI, worker, sweeper) hands to the use
 * cases, from the config and the environment. Adapters are created lazily and cached per cluster.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { GrayConfig, ServiceConfig } from './config.js';
import { kubeConfigFileSource } from './kubernetes/kubeconfig-source.js';
import { KubernetesCluster, type KubernetesClusterOptions } from './kubernetes/kubernetes-cluster.js';
import type { ReleaseDeps } from './release/context.js';
import { ConfigError } from './release/errors.js';
import { type Clock, type Cluster, type ReleaseStore, systemClock } from './release/ports.js';
import { DynamoDbReleaseStore } from './store/dynamodb-release-store.js';

/** How to reach clusters: a kubeconfig override for every service (CLI flags), else per-service config. */
export interface ClusterAccessOptions {
  kubeconfigPath?: string;
  kubeconfigYaml?: string;
  /** Overrides every service's `cluster.context`. */
  context?: string;
  kubernetes?: KubernetesClusterOptions;
}

/**
 * Returns `clusterFor(service)`: one KubernetesCluster per distinct kubeconfig context, cached.
 * EKS-addressed services need the EKS access of the AWS stack; until it is wired, they throw ConfigError.
 */
export function createClusterResolver(
  options: ClusterAccessOptions = {},
): (service: ServiceConfig) => Cluster {
  const clusters = new Map<string, Cluster>();
  return (service) => {
    if ('eks' in service.cluster && !options.context && !options.kubeconfigPath && !options.kubeconfigYaml) {
      throw new ConfigError(
        `${service.name}: EKS access (cluster ${service.cluster.eks.name}) is not available in this entry point; pass --kubeconfig/--context`,
      );
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
