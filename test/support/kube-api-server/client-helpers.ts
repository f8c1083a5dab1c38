// Helpers for tests that talk to the test API server through the real @kubernetes/client-node.
// (The server itself never imports this file or client-node.)
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
} from '@kubernetes/client-node';
import type { KubeApiServer } from './index.js';

/** The client-node APIs the tests use, all configured from the server's kubeconfig. */
export interface KubeClients {
  kubeConfig: KubeConfig;
  apps: AppsV1Api;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  objects: KubernetesObjectApi;
}

/** Builds client-node APIs from `server.kubeConfigYaml(namespace)`; `token` overrides the user's token. */
export function makeKubeClients(
  server: KubeApiServer,
  options: { namespace?: string; token?: string } = {},
): KubeClients {
  const kubeConfig = new KubeConfig();
  let yaml = server.kubeConfigYaml(options.namespace);
  if (options.token !== undefined) yaml = yaml.replace(`token: ${server.token}`, `token: ${options.token}`);
  kubeConfig.loadFromString(yaml);
  return {
    kubeConfig,
    apps: kubeConfig.makeApiClient(AppsV1Api),
    core: kubeConfig.makeApiClient(CoreV1Api),
    custom: kubeConfig.makeApiClient(CustomObjectsApi),
    objects: KubernetesObjectApi.makeApiClient(kubeConfig),
  };
}

/** What a failed client-node call carried: HTTP code, the parsed Status body (if any) and response headers. */
export interface CallFailure {
  code: number;
  body: Record<string, unknown> | undefined;
  headers: Record<string, string>;
}

/** Awaits `call`, which must fail with an ApiException; returns its code, parsed body and headers. */
export async function expectApiFailure(call: Promise<unknown>): Promise<CallFailure> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    const raw: unknown = error.body;
    const body =
      typeof raw === 'string' && raw !== '' ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
    return { code: error.code, body, headers: error.headers };
  }
  throw new Error('expected the call to fail with an ApiException, but it succeeded');
}

/** Polls `read` every 10 ms until `done` holds for its result; throws after `timeoutMs` with the last value. */
export async function waitUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`waitUntil: timed out; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
