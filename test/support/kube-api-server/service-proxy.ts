// The API server's service proxy (GET /api/v1/namespaces/<ns>/services/[scheme:]<name>[:<port>]/proxy/…):
// forwards to the URL a test registered as the Service port's endpoint, and answers like kube-apiserver
// when it cannot — 404 for a missing Service, 503 "no endpoints available" for one without endpoints.
import type { ServerResponse } from 'node:http';
import type { Registry } from './registry.js';
import { resolveResourceType } from './resources.js';
import { failureStatus, KubeStatusError, methodNotAllowed, notFound } from './status.js';

const PROXY_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/]+)\/proxy(\/.*)?$/;

/** Endpoints registered by tests, keyed `<namespace>/<name>:<port>`; values are base URLs. */
export type ServiceEndpoints = Map<string, string>;

/** The registry key of a Service port: `happyride/prometheus:9090`. */
export function endpointKey(namespace: string, name: string, port: number | string): string {
  return `${namespace}/${name}:${port}`;
}

/**
 * Answers a service proxy request and returns the upstream's HTTP status, or undefined for any other
 * path. Throws KubeStatusError for a non-GET, a missing Service, or a port without an endpoint.
 */
export async function handleServiceProxy(
  registry: Registry,
  endpoints: ServiceEndpoints,
  method: string,
  url: URL,
  res: ServerResponse,
): Promise<number | undefined> {
  const match = PROXY_PATH.exec(url.pathname);
  if (!match) return undefined;
  if (method !== 'GET') throw methodNotAllowed();
  const namespace = decodeURIComponent(match[1]!);
  const spec = decodeURIComponent(match[2]!).split(':');
  // `name`, `name:port` or `scheme:name:port`.
  const [name, port] = spec.length === 3 ? [spec[1]!, spec[2]!] : [spec[0]!, spec[1] ?? ''];
  const services = resolveResourceType('services');
  if (!registry.store.get(services, namespace, name)) throw notFound(services, name);
  const target = endpoints.get(endpointKey(namespace, name, port));
  if (!target) {
    throw new KubeStatusError(
      failureStatus(503, 'ServiceUnavailable', `no endpoints available for service "${name}"`),
    );
  }
  const upstream = await fetch(`${target.replace(/\/$/, '')}${match[3] ?? '/'}${url.search}`);
  res.writeHead(upstream.status, { 'Content-Type': upstream.headers.get('content-type') ?? 'text/plain' });
  res.end(await upstream.text());
  return upstream.status;
}
