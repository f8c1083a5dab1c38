import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '../release/errors.js';
import type { KubeConfigSource } from './kubernetes-cluster.js';

/**
 * A KubeConfigSource from a kubeconfig file (`path`, else $KUBECONFIG, else ~/.kube/config) or YAML
 * text, switched to `context` when given. Throws ConfigError naming the missing context, a kubeconfig
 * file that does not exist (`path`, or one that $KUBECONFIG lists), or saying that no kubeconfig exists
 * at all (outside a cluster).
 */
export function kubeConfigFileSource(options: {
  path?: string;
  yaml?: string;
  context?: string;
  /** Where $KUBECONFIG and the in-cluster variables are read (default process.env; tests pass their own). */
  env?: Record<string, string | undefined>;
  /** Home folder holding `.kube/config` (default os.homedir()). */
  home?: string;
}): KubeConfigSource {
  let cached: KubeConfig | undefined;
  return {
    load: async () => {
      if (cached) return cached;
      const kc = new KubeConfig();
      if (options.yaml) kc.loadFromString(options.yaml);
      else if (options.path) {
        if (!existsSync(options.path)) {
          throw new ConfigError(
            `kubeconfig ${options.path} does not exist; pass --kubeconfig <file> with the path of an existing kubeconfig`,
          );
        }
        kc.loadFromFile(options.path);
      } else {
        const env = options.env ?? process.env;
        const home = options.home ?? homedir();
        const missing = (env.KUBECONFIG ?? '').split(delimiter).filter((f) => f && !existsSync(f));
        if (missing.length > 0) {
          throw new ConfigError(
            `KUBECONFIG names ${missing.join(', ')}, which ${missing.length === 1 ? 'does' : 'do'} not exist; set KUBECONFIG to an existing kubeconfig file or pass --kubeconfig <file>`,
          );
        }
        // Without any kubeconfig client-node falls back to an in-cluster or made-up `loaded-context`
        // config; outside a cluster that only hides the real problem.
        const inCluster = env.KUBERNETES_SERVICE_HOST !== undefined;
        if (!env.KUBECONFIG && !inCluster && !existsSync(join(home, '.kube', 'config'))) {
          throw new ConfigError(
            `no kubeconfig found (KUBECONFIG is unset and ${join(home, '.kube', 'config')} does not exist); pass --kubeconfig <file> or set KUBECONFIG`,
          );
        }
        kc.loadFromDefault();
      }
      if (options.context && options.context !== 'default') {
        if (!kc.getContexts().some((c) => c.name === options.context)) {
          const known =
            kc
              .getContexts()
              .map((c) => c.name)
              .join(', ') || '(none)';
          throw new ConfigError(`kubeconfig has no context "${options.context}"; contexts: ${known}`);
        }
        kc.setCurrentContext(options.context);
      }
      cached = kc;
      return kc;
    },
  };
}
