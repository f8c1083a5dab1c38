// The `gray` command line (runCli) pointed at a release stack through files, as a user runs it: a kubeconfig
// for our Kubernetes API server and a gray.config.yaml, both in a fresh temporary directory.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCli } from '../../functions/cli.js';
import type { ReleaseStack } from './release-stack.js';

/** One run of `gray`: its exit code and what it printed to stdout and stderr, lines joined by "\n". */
export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs `gray <args>` with the stack's files and actor given before `args`; resolves to its exit code and output. */
export type GrayCli = (...args: string[]) => Promise<CliResult>;

/**
 * Writes a kubeconfig and a config for `stack`'s first service (fields in `service` override it, e.g.
 * `{ rolloutTimeout: 1 }` in seconds) and returns a `gray` runner acting as `as` (default 'U0ALICE').
 */
export function grayCliFor(
  stack: ReleaseStack,
  options: { as?: string; service?: Record<string, unknown> } = {},
): GrayCli {
  const dir = mkdtempSync(join(tmpdir(), 'gray-cli-'));
  writeFileSync(join(dir, 'kubeconfig'), stack.kube.kubeConfigYaml('happyride'));
  const service = { ...stack.deps.config.services[0], ...options.service };
  writeFileSync(join(dir, 'gray.config.yaml'), stringify({ services: [service] }));
  const globals = [
    '--config',
    join(dir, 'gray.config.yaml'),
    '--kubeconfig',
    join(dir, 'kubeconfig'),
    '--as',
    options.as ?? 'U0ALICE',
  ];
  return async (...args) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      [...globals, ...args],
      { out: (t) => out.push(t), err: (t) => err.push(t) },
      { store: stack.store },
    );
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
}
