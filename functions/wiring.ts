/**
 * Composition root: builds the ReleaseDeps every entry point (CLI, worker, sweeper) hands to the use
 * cases, from the config and the environment. Adapters are created lazily and cached per cluster.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { canarySettings, type GrayConfig, type ServiceConfig } from './config.js';
import { EksClusterAccess } from './kubernetes/eks-cluster-access.js';
import { eksKubeConfigSource } from './kubernetes/eks-kubeconfig.js';
import { kubeConfigFileSource } from './kubernetes/kubeconfig-source.js';
import {
  type KubeConfigSource,
  KubernetesCluster,
  type KubernetesClusterOptions,
} from './kubernetes/kubernetes-cluster.js';
import { KubernetesProxyTransport } from './prometheus/kubernetes-proxy-transport.js';
import { PrometheusMetricsSource, UrlTransport } from './prometheus/prometheus-metrics-source.js';
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

/** A service's cluster credentials and the key of the cluster they reach (equal keys: same cluster). */
interface ClusterCredentials {
  key: string;
  source: KubeConfigSource;
}

/**
 * Returns the credentials of a service's cluster, cached per cluster: `{eks: {name, region}}` services
 * reach EKS by name (DescribeCluster + a presigned STS token); `{context}` services, or any service
 * when a kubeconfig is passed, use the kubeconfig.
 */
function createCredentialsResolver(
  options: ClusterAccessOptions,
): (service: ServiceConfig) => ClusterCredentials {
  const sources = new Map<string, KubeConfigSource>();
  const cached = (key: string, make: () => KubeConfigSource): ClusterCredentials => {
    let source = sources.get(key);
    if (!source) {
      source = make();
      sources.set(key, source);
    }
    return { key, source };
  };
  return (service) => {
    const kubeconfigGiven = options.context || options.kubeconfigPath || options.kubeconfigYaml;
    if ('eks' in service.cluster && !kubeconfigGiven) {
      const { name, region } = service.cluster.eks;
      return cached(`eks:${region}/${name}`, () => {
        sharedEksAccess ??= new EksClusterAccess();
        return eksKubeConfigSource(options.eks ?? sharedEksAccess, name, region, service.namespace);
      });
    }
    const context = options.context ?? ('context' in service.cluster ? service.cluster.context : undefined);
    return cached(context ?? '(current)', () =>
      kubeConfigFileSource({
        ...(options.kubeconfigPath ? { path: options.kubeconfigPath } : {}),
        ...(options.kubeconfigYaml ? { yaml: options.kubeconfigYaml } : {}),
        ...(context ? { context } : {}),
      }),
    );
  };
}

/**
 * Returns `clusterFor(service)`: one KubernetesCluster per distinct cluster, cached for the warm
 * container. `{eks: {name, region}}` services reach EKS by name (DescribeCluster + a presigned STS
 * token); `{context}` services, or any service when a kubeconfig is passed, use the kubeconfig.
 */
export function createClusterResolver(
  options: ClusterAccessOptions = {},
): (service: ServiceConfig) => Cluster {
  const credentialsFor = createCredentialsResolver(options);
  const clusters = new Map<string, Cluster>();
  return (service) => {
    const { key, source } = credentialsFor(service);
    let cluster = clusters.get(key);
    if (!cluster) {
      cluster = new KubernetesCluster(source, options.kubernetes);
      clusters.set(key, cluster);
    }
    return cluster;
  };
}

/**
 * Returns `metricsFor(service)`: the Prometheus of the service's canary config, one client per
 * endpoint — a URL (SigV4-signed for Amazon Managed Prometheus when `sigv4` is set) or a Service
 * reached through the API server proxy of the service's own cluster, with the same credentials.
 */
export function createMetricsResolver(
  options: ClusterAccessOptions = {},
): (service: ServiceConfig) => MetricsSource {
  const credentialsFor = createCredentialsResolver(options);
  const sources = new Map<string, MetricsSource>();
  return (service) => {
    const { prometheus } = canarySettings(service);
    let key: string;
    let make: () => MetricsSource;
    if ('url' in prometheus) {
      key = `url:${prometheus.url}:${prometheus.sigv4?.region ?? ''}`;
      make = () =>
        new PrometheusMetricsSource(
          new UrlTransport(
            prometheus.url,
            prometheus.sigv4 ? { sigv4: { region: prometheus.sigv4.region } } : {},
          ),
        );
    } else {
      const { key: cluster, source } = credentialsFor(service);
      const target = prometheus.service;
      key = `proxy:${cluster}:${target.scheme}:${target.namespace}/${target.name}:${target.port}`;
      make = () => new PrometheusMetricsSource(new KubernetesProxyTransport(source, target));
    }
    let source = sources.get(key);
    if (!source) {
      source = make();
      sources.set(key, source);
    }
    return source;
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
    metricsFor: rest.metricsFor ?? createMetricsResolver(access),
    clock: rest.clock ?? systemClock,
    ...(rest.onProgress ? { onProgress: rest.onProgress } : {}),
    ...(rest.pollMs !== undefined ? { pollMs: rest.pollMs } : {}),
    ...(rest.newId ? { newId: rest.newId } : {}),
  };
}
