import { KubeConfig } from '@kubernetes/client-node';
import type { EksConnection } from './eks-cluster-access.js';

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
