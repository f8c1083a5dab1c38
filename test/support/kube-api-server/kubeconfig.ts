// A kubeconfig for the test server, shaped like the one `aws eks update-kubeconfig` writes (token user).
import { stringify } from 'yaml';

/** The cluster, user and context name used in every generated kubeconfig. */
export const KUBECONFIG_NAME = 'gray-test';

/**
 * Kubeconfig YAML with cluster/user/context `gray-test`: `server` URL, base64 PEM `caData`, bearer `token`,
 * and the context's default `namespace`.
 */
export function buildKubeConfigYaml(
  server: string,
  caData: string,
  token: string,
  namespace: string,
): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: KUBECONFIG_NAME, cluster: { server, 'certificate-authority-data': caData } }],
    users: [{ name: KUBECONFIG_NAME, user: { token } }],
    contexts: [
      { name: KUBECONFIG_NAME, context: { cluster: KUBECONFIG_NAME, user: KUBECONFIG_NAME, namespace } },
    ],
    'current-context': KUBECONFIG_NAME,
  });
}
