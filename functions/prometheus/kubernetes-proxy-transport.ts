/**
 * Reaches an in-cluster Prometheus through the Kubernetes API server's service proxy
 * (`/api/v1/namespaces/<ns>/services/[https:]<name>:<port>/proxy/…`), with the same kubeconfig or EKS
 * credentials as every other cluster call — nothing exposed outside the cluster. RBAC: `get` on
 * `services/proxy` in Prometheus' namespace.
 */
import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfigSource } from '../kubernetes/kubernetes-cluster.js';
import { ConfigError, MetricsUnavailableError } from '../release/errors.js';
import { PROMETHEUS_TIMEOUT_MS, type PrometheusTransport } from './prometheus-metrics-source.js';

/** The Prometheus Service: namespace, name, port (number or name) and scheme of its port. */
export interface PrometheusServiceRef {
  namespace: string;
  name: string;
  port: number | string;
  scheme: 'http' | 'https';
}

/** The API server's proxy path of a Service port (`https:` prefix for a TLS backend). */
export function serviceProxyPath(target: PrometheusServiceRef): string {
  const scheme = target.scheme === 'https' ? 'https:' : '';
  return `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/services/${scheme}${encodeURIComponent(target.name)}:${target.port}/proxy`;
}

function send(
  url: URL,
  options: RequestOptions,
  timeoutMs: number,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'http:' ? httpRequest : httpsRequest)(
      url,
      options,
      (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.setTimeout(timeoutMs, () => {
      const timeout = new Error(`timed out after ${timeoutMs} ms`);
      timeout.name = 'TimeoutError';
      request.destroy(timeout);
    });
    request.on('error', reject);
    request.end();
  });
}

/** The API server's own refusal (a v1 Status, not Prometheus' JSON), as a message; undefined otherwise. */
function apiServerRefusal(status: number, body: string): string | undefined {
  if (status < 400) return undefined;
  try {
    const parsed = JSON.parse(body) as { kind?: string; message?: string };
    return parsed.kind === 'Status' ? (parsed.message ?? `HTTP ${status}`) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A PrometheusTransport through the API server's service proxy. Credentials come from `source` on
 * every request (EKS tokens rotate); a 401 renews them once.
 */
export class KubernetesProxyTransport implements PrometheusTransport {
  readonly label: string;

  /** `source` is the service's cluster credentials; `target` the Prometheus Service. */
  constructor(
    private readonly source: KubeConfigSource,
    private readonly target: PrometheusServiceRef,
    private readonly timeoutMs = PROMETHEUS_TIMEOUT_MS,
  ) {
    this.label = `${target.namespace}/${target.name}:${target.port} (through the Kubernetes API server)`;
  }

  /**
   * GETs `path` under Prometheus' root through the proxy. Throws MetricsUnavailableError when the API
   * server itself refuses (RBAC 403, missing Service 404, no endpoints 503) with its reason; network
   * errors reject as they are.
   */
  async get(path: string): Promise<{ status: number; body: string }> {
    for (let attempt = 1; ; attempt++) {
      const config = await this.source.load();
      const cluster = config.getCurrentCluster();
      if (!cluster) throw new ConfigError('prometheus: the kubeconfig has no current cluster');
      const options: RequestOptions = { method: 'GET', headers: { accept: 'application/json' } };
      await config.applyToHTTPSOptions(options);
      const url = new URL(`${cluster.server.replace(/\/$/, '')}${serviceProxyPath(this.target)}${path}`);
      const answer = await send(url, options, this.timeoutMs);
      if (answer.status === 401 && this.source.renew && attempt === 1) {
        await this.source.renew();
        continue;
      }
      const refusal = apiServerRefusal(answer.status, answer.body);
      if (refusal) {
        throw new MetricsUnavailableError(
          `the Kubernetes API server did not proxy to Prometheus ${this.label}: ${refusal} (HTTP ${answer.status}); check the Service and that gray may get services/proxy in ${this.target.namespace}`,
        );
      }
      return answer;
    }
  }
}
