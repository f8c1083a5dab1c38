import { ApiException, type KubeConfig } from '@kubernetes/client-node';
import type { EksClusterAccess } from './eks-cluster-access.js';
import { kubeConfigFromConnection } from './eks-kubeconfig.js';

/** True for client-node's ApiException with HTTP status 401 (the API server refused the token). */
export function isUnauthorized(error: unknown): boolean {
  return error instanceof ApiException && error.code === 401;
}

/**
 * Runs `fn` with a KubeConfig for the EKS cluster; if it throws a 401 ApiException, invalidates the
 * cached token, signs a new one and runs `fn` exactly once more (a second 401 is thrown). `fn` may
 * run twice, so it must be safe to repeat. Other errors pass through untouched.
 */
export async function withTokenRenewal<T>(
  access: Pick<EksClusterAccess, 'getConnection' | 'invalidateToken'>,
  clusterName: string,
  region: string,
  fn: (kubeConfig: KubeConfig) => Promise<T>,
  namespace?: string,
): Promise<T> {
  const first = await access.getConnection(clusterName, region);
  try {
    return await fn(kubeConfigFromConnection(first, namespace));
  } catch (error) {
    if (!isUnauthorized(error)) throw error;
    access.invalidateToken(clusterName, region);
    const renewed = await access.getConnection(clusterName, region);
    return fn(kubeConfigFromConnection(renewed, namespace));
  }
}
