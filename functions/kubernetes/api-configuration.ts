/**
 * The configuration gray's generated Kubernetes API clients share: what `KubeConfig.makeApiClient`
 * builds (server, the kubeconfig as auth), plus one connection pool per KubeConfig. client-node 2.0
 * hands every request a new undici Agent from its auth step, so every request opened a new TLS
 * connection — a handshake for each poll of a rollout; this keeps the first Agent and gives it to
 * every later request, so a warm adapter reuses its connections (undici keeps them alive).
 */
import {
  type Configuration,
  createConfiguration,
  type KubeConfig,
  type RequestContext,
  ServerConfiguration,
} from '@kubernetes/client-node';

/** User-Agent of gray's Kubernetes requests (audit logs on the API server show it). */
export const GRAY_USER_AGENT = 'gray (kubernetes/client-node)';

/** Longest wait for one Kubernetes request's answer, ms (kubectl has none by default; gray's lock budget does). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

type Pool = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

/**
 * Builds the API configuration for `config`'s current cluster; pass it to `new CustomObjectsApi(…)`
 * and the like. Each request is aborted after `timeoutMs` (default 15,000 ms) without an answer. Throws Error('No active cluster!') as makeApiClient does when the kubeconfig has none.
 */
export function apiConfiguration(config: KubeConfig, options: { timeoutMs?: number } = {}): Configuration {
  const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new Error('No active cluster!');
  let pool: Pool | undefined;
  return createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: config },
    promiseMiddleware: [
      {
        // Runs after the auth step set this request's own Agent (same TLS options every time).
        pre: async (context: RequestContext) => {
          const own = context.getDispatcher();
          if (own) {
            pool ??= own;
            context.setDispatcher(pool);
          }
          context.setHeaderParam('User-Agent', GRAY_USER_AGENT);
          // A hung API server fails the request (a transient fault the adapter retries within its
          // budget) instead of holding the worker, and the service lock, until Lambda's own timeout.
          if (!context.getSignal()) context.setSignal(AbortSignal.timeout(timeoutMs));
          return context;
        },
        post: async (response) => response,
      },
    ],
  });
}
