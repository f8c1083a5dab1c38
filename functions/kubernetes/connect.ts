/**
 * The Kubernetes and Prometheus side of the composition root: cluster credentials (kubeconfig or EKS),
 * KubernetesCluster adapters and Prometheus clients. Loaded on first use through a dynamic import
 * (functions/wiring.ts), so a function that never reaches a cluster — the Slack ack path — does not
 * pay client-node's start-up.
 */
import { canarySettings, type ServiceConfig } from '../config.js';
import { KubernetesProxyTransport } from '../prometheus/kubernetes-proxy-transport.js';
import { PrometheusMetricsSource, UrlTransport } from '../prometheus/prometheus-metrics-source.js';
import type { Cluster, MetricsSource } from '../release/ports.js';
import type { ClusterAccessOptions } from '../wiring.js';
import { EksClusterAccess } from './eks-cluster-access.js';
import { eksKubeConfigSource } from './eks-kubeconfig.js';
import { kubeConfigFileSource } from './kubeconfig-source.js';
import { type KubeConfigSource, KubernetesCluster } from './kubernetes-cluster.js';

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
