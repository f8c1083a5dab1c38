/**
 * core/v1 Services as raw JSON over client-node's own request pipeline. CoreV1Api would do the same
 * three calls, but importing it bundles client-node's whole core API and model serializer (about 3 MB,
 * most of the worker's cold start); this class is built by `KubeConfig.makeApiClient` like every
 * generated API, so the server URL, auth (tokens, client certificates, TLS), the user-agent middleware
 * and the fetch transport are client-node's, and failures are the same `ApiException`s.
 */
import {
  ApiException,
  type Configuration,
  HttpMethod,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import type { KubeObject } from '../release/ports.js';

const servicesPath = (namespace: string) => `/api/v1/namespaces/${encodeURIComponent(namespace)}/services`;

/**
 * Reads, creates and deletes Services; build it with `kubeConfig.makeApiClient(CoreServiceApi)`.
 * Every method throws client-node's `ApiException` (code, body, headers) for a non-2xx answer, as
 * CoreV1Api does, and rejects with the transport's error when the request fails.
 */
export class CoreServiceApi {
  /** `configuration` is what `KubeConfig.makeApiClient` hands every API class. */
  constructor(private readonly configuration: Configuration) {}

  /** GET `/api/v1/namespaces/<namespace>/services/<name>`: the Service as the API server sent it. */
  async readNamespacedService(param: { name: string; namespace: string }): Promise<KubeObject> {
    const path = `${servicesPath(param.namespace)}/${encodeURIComponent(param.name)}`;
    return this.send(HttpMethod.GET, path);
  }

  /** POST to `/api/v1/namespaces/<namespace>/services`: the created Service. */
  async createNamespacedService(param: { namespace: string; body: KubeObject }): Promise<KubeObject> {
    return this.send(HttpMethod.POST, servicesPath(param.namespace), param.body);
  }

  /** DELETE `/api/v1/namespaces/<namespace>/services/<name>`: the API server's answer (a Status). */
  async deleteNamespacedService(param: { name: string; namespace: string }): Promise<unknown> {
    const path = `${servicesPath(param.namespace)}/${encodeURIComponent(param.name)}`;
    return this.send(HttpMethod.DELETE, path);
  }

  // The generated APIs' sequence (ObservableAPI): request context, auth, middleware pre, send,
  // middleware post in reverse, then the status check of their response processors.
  private async send<T>(method: HttpMethod, path: string, body?: unknown): Promise<T> {
    const config = this.configuration;
    let request: RequestContext = config.baseServer.makeRequestContext(path, method);
    request.setHeaderParam('Accept', 'application/json, */*;q=0.8');
    if (body !== undefined) {
      request.setHeaderParam('Content-Type', 'application/json');
      request.setBody(JSON.stringify(body));
    }
    await config.authMethods.default?.applySecurityAuthentication(request);
    for (const middleware of config.middleware) request = await middleware.pre(request).toPromise();
    let response: ResponseContext = await config.httpApi.send(request).toPromise();
    for (const middleware of [...config.middleware].reverse()) {
      response = await middleware.post(response).toPromise();
    }
    const code = response.httpStatusCode;
    if (code === 401) throw new ApiException(code, 'Unauthorized', undefined, response.headers);
    if (code < 200 || code > 299) {
      throw new ApiException(
        code,
        'Unknown API Status Code!',
        await response.getBodyAsAny(),
        response.headers,
      );
    }
    const text = await response.body.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
