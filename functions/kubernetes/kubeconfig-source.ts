import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '../release/errors.js';
import type { KubeConfigSource } from './kubernetes-cluster.js';

/**
 * A KubeConfigSource from a kubeconfig file (`path`, else $KUBECONFIG, else ~/.kube/config) or YAML
 * text, switched to `context` when given. Throws ConfigError naming the missing context.
 */
export function kubeConfigFileSource(options: {
  path?: string;
  yaml?: string;
  context?: string;
}): KubeConfigSource {
  let cached: KubeConfig | undefined;
  return {
    load: async () => {
      if (cached) return cached;
      const kc = new KubeConfig();
      if (options.yaml) kc.loadFromString(options.yaml);
      else if (options.path) kc.loadFromFile(options.path);
      else kc.loadFromDefault();
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
