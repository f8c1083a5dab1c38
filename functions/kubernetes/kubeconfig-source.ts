import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '../release/errors.js';
import { resolveKubeconfigFiles } from './kubeconfig-files.js';
import type { KubeConfigSource } from './kubernetes-cluster.js';

/** An error's message up to its first line break (YAML errors go on with an excerpt of the file). */
const firstLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();

/**
 * A KubeConfigSource from YAML text or the kubeconfig files resolveKubeconfigFiles picks (`path`, else
 * $KUBECONFIG's existing files merged, else ~/.kube/config, else in-cluster), switched to `context`
 * when given. Throws ConfigError naming the missing context, the file that is missing or unreadable,
 * or a kubeconfig without a cluster for its current context.
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
      else {
        const found = resolveKubeconfigFiles(options);
        if ('inCluster' in found) kc.loadFromCluster();
        else {
          for (const [i, file] of found.files.entries()) {
            const one = i === 0 ? kc : new KubeConfig();
            try {
              one.loadFromFile(file);
            } catch (error) {
              throw new ConfigError(
                `kubeconfig ${file} could not be read (${firstLine(error)}); fix it or pass --kubeconfig <file>`,
                { cause: error },
              );
            }
            // As client-node's loadFromDefault: later files add clusters, users and contexts.
            if (one !== kc) kc.mergeConfig(one);
          }
        }
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
      if (!kc.getCurrentCluster()) {
        throw new ConfigError(
          `kubeconfig has no cluster for its current context "${kc.getCurrentContext() || '(none)'}"; pick a context with --context <name>, or fix the kubeconfig`,
        );
      }
      cached = kc;
      return kc;
    },
  };
}
