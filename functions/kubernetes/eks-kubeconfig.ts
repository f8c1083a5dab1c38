import { KubeConfig } from '@kubernetes/client-node';
import type { EksClusterAccess, EksConnection } from './eks-cluster-access.js';
import type { KubeConfigSource } from './kubernetes-cluster.js';

/** Name of the cluster, user and context in a KubeConfig built from an EKS connection. */
export const EKS_CONTEXT = 'gray-eks';

/**
 * A client-node KubeConfig for one EKS connection: cluster `server` with its CA (`caData`, base64
 * PEM), the bearer `token` as the user, and `namespace` as the context's default when given.
 */
export function kubeConfigFromConnection(connection: EksConnection, namespace?: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      { name: EKS_CONTEXT, server: connection.server, caData: connection.caData, skipTLSVerify: false },
    ],
    users: [{ name: EKS_CONTEXT, token: connection.token }],
    contexts: [
      { name: EKS_CONTEXT, cluster: EKS_CONTEXT, user: EKS_CONTEXT, ...(namespace ? { namespace } : {}) },
    ],
    currentContext: EKS_CONTEXT,
  });
  return kubeConfig;
}

/**
 * The Kubernetes adapter's KubeConfigSource for an EKS cluster: `load()` returns a KubeConfig with
 * the current cached token (the same object while the token is unchanged, a new one once it was
 * renewed); `renew()` drops the token after a 401 so the next `load()` signs a fresh one.
 */
export function eksKubeConfigSource(
  access: Pick<EksClusterAccess, 'getConnection' | 'invalidateToken'>,
  clusterName: string,
  region: string,
  namespace?: string,
): KubeConfigSource {
  let last: { token: string; kubeConfig: KubeConfig } | undefined;
  return {
    load: async () => {
      const connection = await access.getConnection(clusterName, region);
      if (last?.token !== connection.token) {
        last = { token: connection.token, kubeConfig: kubeConfigFromConnection(connection, namespace) };
      }
      return last.kubeConfig;
    },
    renew: async () => {
      access.invalidateToken(clusterName, region);
    },
  };
}
