// An in-process Kubernetes API server for tests: HTTPS on 127.0.0.1, bearer-token auth, core/v1 services,
// apps/v1 deployments (status, scale, simulated rollouts) and Istio virtualservices / destinationrules,
// close enough to kube-apiserver that @kubernetes/client-node cannot tell the difference.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { FaultInjector, type FaultSpec } from './faults.js';
import { buildKubeConfigYaml } from './kubeconfig.js';
import { Registry } from './registry.js';
import { type KubeObject, resolveResourceType } from './resources.js';
import { RolloutController } from './rollout.js';
import { type AuthLogEntry, type FrontContext, handleHttp, type RequestLogEntry } from './server.js';
import { endpointKey } from './service-proxy.js';
import { ObjectStore } from './store.js';
import { getTlsMaterial } from './tls.js';

export type { Fault, FaultSpec } from './faults.js';
export type { KubeObject, ObjectMeta } from './resources.js';
export type { AuthLogEntry, RequestLogEntry } from './server.js';

/** Options of startKubeApiServer; every field is optional. */
export interface KubeApiServerOptions {
  /** The token the default authenticator accepts (default: 32 random hex bytes). */
  token?: string;
  /** Decides whether a bearer token is accepted (default: equals `token`). */
  authenticate?: (token: string) => boolean;
  /** TCP port on 127.0.0.1 (default 0: a free port). */
  port?: number;
  /** Milliseconds from a Deployment change being observed to all its new pods ready (default 50). */
  rolloutDelayMs?: number;
  /** When set, one new pod becomes ready per `rolloutStepMs` milliseconds instead. */
  rolloutStepMs?: number;
  /** Milliseconds after which a rollout with a broken image reports ProgressDeadlineExceeded (default rolloutDelayMs). */
  progressDeadlineMs?: number;
}

/** Filter for countRequests; every given field must match. */
export interface RequestFilter {
  method?: string;
  verb?: string;
  resource?: string;
  status?: number;
}

/** A running server and its test controls (plain methods, not HTTP). */
export interface KubeApiServer {
  /** `https://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** The CA certificate as base64 PEM, as kubeconfig's certificate-authority-data and EKS give it. */
  caData: string;
  /** The token the default authenticator accepts. */
  token: string;
  /** Kubeconfig YAML (cluster/user/context `gray-test`) with this server, CA, token and namespace (default `happyride`). */
  kubeConfigYaml(namespace?: string): string;
  /** Every request received, oldest first (live array). */
  readonly requests: readonly RequestLogEntry[];
  /** Every authentication decision, oldest first (live array). */
  readonly authLog: readonly AuthLogEntry[];
  /** How many requests were answered 401 since start or the last clearLog(). */
  unauthorizedCount(): number;
  /** TLS connections accepted since start or the last clearLog() (a client reusing connections opens few). */
  tlsConnections(): number;
  /** Empties the request log and the auth log, and zeroes the connection count. */
  clearLog(): void;
  /** Number of logged requests matching `filter` (all of them without one). */
  countRequests(filter?: RequestFilter): number;
  /** Logged requests counted by `"<verb> <resource>"`, e.g. `{ 'patch virtualservices': 2 }`. */
  counters(): Record<string, number>;
  /** Arms a fault for the next `spec.times` requests matching `spec.method` / `spec.pathIncludes`. */
  injectFault(spec: FaultSpec): void;
  /** Disarms all faults. */
  clearFaults(): void;
  /** A copy of a stored object (resource: plural, Kind or short name), or undefined. */
  getObject(resource: string, namespace: string, name: string): KubeObject | undefined;
  /** Copies of stored objects of a resource, in a namespace or all. */
  listObjects(resource: string, namespace?: string): KubeObject[];
  /** Writes an object straight into the store (like a human's edit): resourceVersion bumps; returns the stored copy. */
  putObject(resource: string, obj: KubeObject): KubeObject;
  /** Removes an object straight from the store; false when it did not exist. */
  deleteObject(resource: string, namespace: string, name: string): boolean;
  /** Pods with an image containing this substring never become ready; such rollouts end ProgressDeadlineExceeded. */
  markImageBroken(imageOrTagSubstring: string): void;
  /** Forgets all broken-image marks. */
  clearBrokenImages(): void;
  /** Makes the service proxy of `namespace/name:port` forward to `targetUrl` (the Service's endpoint). */
  setServiceEndpoint(namespace: string, name: string, port: number | string, targetUrl: string): void;
  /** Replaces the token check for all following requests. */
  setAuthenticator(authenticate: (token: string) => boolean): void;
  /** Stops listening, destroys every open connection and cancels all timers. */
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 (HTTPS, fresh empty store); resolves once it is listening. */
export async function startKubeApiServer(options: KubeApiServerOptions = {}): Promise<KubeApiServer> {
  const tls = await getTlsMaterial();
  const token = options.token ?? randomBytes(32).toString('hex');
  const store = new ObjectStore();
  const registry = new Registry(store);
  const rolloutDelayMs = options.rolloutDelayMs ?? 50;
  const rollout = new RolloutController(store, {
    rolloutDelayMs,
    rolloutStepMs: options.rolloutStepMs,
    progressDeadlineMs: options.progressDeadlineMs ?? rolloutDelayMs,
  });
  let port = 0;
  const ctx: FrontContext = {
    registry,
    faults: new FaultInjector(),
    requests: [],
    authLog: [],
    authenticate: options.authenticate ?? ((presented) => presented === token),
    serverAddress: () => `127.0.0.1:${port}`,
    delayTimers: new Set(),
    serviceEndpoints: new Map(),
  };
  const server = createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    void handleHttp(ctx, req, res);
  });
  let connections = 0;
  server.on('secureConnection', () => {
    connections++;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const url = `https://127.0.0.1:${port}`;
  const caData = Buffer.from(tls.caPem).toString('base64');
  const matches = (entry: RequestLogEntry, f: RequestFilter) =>
    (f.method === undefined || entry.method === f.method.toUpperCase()) &&
    (f.verb === undefined || entry.verb === f.verb) &&
    (f.resource === undefined || entry.resource === f.resource) &&
    (f.status === undefined || entry.status === f.status);

  return {
    url,
    port,
    caData,
    token,
    kubeConfigYaml: (namespace = 'happyride') => buildKubeConfigYaml(url, caData, token, namespace),
    requests: ctx.requests,
    authLog: ctx.authLog,
    unauthorizedCount: () => ctx.requests.filter((r) => r.status === 401).length,
    tlsConnections: () => connections,
    clearLog: () => {
      ctx.requests.length = 0;
      ctx.authLog.length = 0;
      connections = 0;
    },
    countRequests: (filter = {}) => ctx.requests.filter((r) => matches(r, filter)).length,
    counters: () => {
      const counts: Record<string, number> = {};
      for (const r of ctx.requests) {
        if (r.verb === undefined) continue;
        const k = `${r.verb} ${r.resource}`;
        counts[k] = (counts[k] ?? 0) + 1;
      }
      return counts;
    },
    injectFault: (spec) => ctx.faults.inject(spec),
    clearFaults: () => ctx.faults.clear(),
    getObject: (resource, namespace, name) => store.get(resolveResourceType(resource), namespace, name),
    listObjects: (resource, namespace) => store.list(resolveResourceType(resource), namespace),
    putObject: (resource, obj) => registry.put(resolveResourceType(resource), obj),
    deleteObject: (resource, namespace, name) =>
      store.remove(resolveResourceType(resource), namespace, name) !== undefined,
    markImageBroken: (substring) => rollout.markImageBroken(substring),
    clearBrokenImages: () => rollout.clearBrokenImages(),
    setServiceEndpoint: (namespace, name, port, targetUrl) => {
      ctx.serviceEndpoints.set(endpointKey(namespace, name, port), targetUrl);
    },
    setAuthenticator: (authenticate) => {
      ctx.authenticate = authenticate;
    },
    close: async () => {
      rollout.close();
      for (const timer of ctx.delayTimers) clearTimeout(timer);
      ctx.delayTimers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
