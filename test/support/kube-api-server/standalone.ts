// Running the test API server outside a test, e.g. for the demo script: start, seed, write a kubeconfig.
import { writeFileSync } from 'node:fs';
import { type KubeApiServer, type KubeApiServerOptions, startKubeApiServer } from './index.js';
import { HAPPYRIDE_NAMESPACE, seedHappyride } from './seed.js';

/** Options for runStandaloneKubeApiServer: server options plus what to do around it. */
export interface StandaloneOptions extends KubeApiServerOptions {
  /** Store the happyride fixtures first (default true). */
  seed?: boolean;
  /** Write the kubeconfig YAML here (file mode 0600) when given. */
  kubeconfigPath?: string;
  /** The kubeconfig context's namespace (default `happyride`). */
  namespace?: string;
  /** Where to report the address (default console.log); pass () => {} for silence. */
  log?: (line: string) => void;
}

/**
 * Starts a server for use outside vitest (rollouts take `rolloutDelayMs`, default 2,000 ms here, so a person
 * can watch them), seeds happyride, writes the kubeconfig if asked, and returns the running server; the
 * caller owns `close()`.
 */
export async function runStandaloneKubeApiServer(options: StandaloneOptions = {}): Promise<KubeApiServer> {
  const {
    seed = true,
    kubeconfigPath,
    namespace = HAPPYRIDE_NAMESPACE,
    log = console.log,
    ...serverOptions
  } = options;
  const server = await startKubeApiServer({ rolloutDelayMs: 2_000, ...serverOptions });
  if (seed) seedHappyride(server);
  if (kubeconfigPath) writeFileSync(kubeconfigPath, server.kubeConfigYaml(namespace), { mode: 0o600 });
  log(
    `kube-api-server listening on ${server.url}${kubeconfigPath ? ` (kubeconfig: ${kubeconfigPath})` : ''}`,
  );
  return server;
}
