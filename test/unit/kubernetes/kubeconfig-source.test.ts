// kubeConfigFileSource when no kubeconfig exists: a clear ConfigError instead of client-node's made-up
// `loaded-context` (which turned a missing file into "kubeconfig has no context …; contexts: loaded-context").
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubeConfigFileSource } from '../../../functions/kubernetes/kubeconfig-source.js';

describe('kubeConfigFileSource', () => {
  it('says no kubeconfig exists when KUBECONFIG is unset and ~/.kube/config is missing', async () => {
    const home = mkdtempSync(join(tmpdir(), 'gray-home-'));
    const source = kubeConfigFileSource({ context: 'kind-istio', env: {}, home });

    await expect(source.load()).rejects.toThrow(
      `no kubeconfig found (KUBECONFIG is unset and ${join(home, '.kube', 'config')} does not exist); pass --kubeconfig <file> or set KUBECONFIG`,
    );
  });

  it('still names the missing context when a kubeconfig exists', async () => {
    const yaml = [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]',
      'users: [{name: u, user: {token: t}}]',
      'contexts: [{name: dev, context: {cluster: c, user: u}}]',
      'current-context: dev',
    ].join('\n');

    await expect(kubeConfigFileSource({ yaml, context: 'kind-istio' }).load()).rejects.toThrow(
      'kubeconfig has no context "kind-istio"; contexts: dev',
    );
  });

  it('names a --kubeconfig file that does not exist instead of failing later as an unreachable cluster', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'gray-kc-')), 'missing');

    await expect(kubeConfigFileSource({ path }).load()).rejects.toMatchObject({
      code: 'config',
      message: `kubeconfig ${path} does not exist; pass --kubeconfig <file> with the path of an existing kubeconfig`,
    });
  });

  it('names the files KUBECONFIG lists when none of them exists', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gray-kc-'));
    const env = { KUBECONFIG: [join(dir, 'a'), join(dir, 'b')].join(delimiter) };

    await expect(kubeConfigFileSource({ env, home: dir }).load()).rejects.toThrow(
      `KUBECONFIG names ${join(dir, 'a')}, ${join(dir, 'b')}, and none of them is an existing file; set KUBECONFIG to an existing kubeconfig or pass --kubeconfig <file>`,
    );
  });

  it('skips the KUBECONFIG entries that are missing or empty, as kubectl does, and merges the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gray-kc-'));
    writeFileSync(join(dir, 'dev'), kubeconfig('dev', 'https://127.0.0.1:6443'));
    writeFileSync(join(dir, 'prod'), kubeconfig('prod', 'https://127.0.0.1:7443'));
    const env = {
      KUBECONFIG: ['', join(dir, 'missing'), join(dir, 'dev'), '', join(dir, 'prod')].join(delimiter),
    };

    const kc = await kubeConfigFileSource({ env, home: dir, context: 'prod' }).load();

    expect(kc.getContexts().map((c) => c.name)).toEqual(['dev', 'prod']);
    expect(kc.getCurrentCluster()?.server).toBe('https://127.0.0.1:7443');
  });

  it('treats a KUBECONFIG of empty entries as unset', async () => {
    const home = mkdtempSync(join(tmpdir(), 'gray-home-'));

    await expect(kubeConfigFileSource({ env: { KUBECONFIG: delimiter }, home }).load()).rejects.toThrow(
      `no kubeconfig found (KUBECONFIG is unset and ${join(home, '.kube', 'config')} does not exist)`,
    );
  });

  it('names a kubeconfig that is not YAML, and one without a cluster, instead of an unreachable cluster', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gray-kc-'));
    writeFileSync(join(dir, 'broken'), 'clusters: [unclosed');
    writeFileSync(join(dir, 'empty'), '');

    await expect(kubeConfigFileSource({ path: join(dir, 'broken') }).load()).rejects.toThrow(
      new RegExp(
        `^kubeconfig ${join(dir, 'broken')} could not be read \\(.+\\); fix it or pass --kubeconfig <file>$`,
      ),
    );
    await expect(kubeConfigFileSource({ path: join(dir, 'empty') }).load()).rejects.toThrow(
      /^kubeconfig (has no cluster for its current context "\(none\)"; pick a context with --context <name>, or fix the kubeconfig|.+ could not be read \(.+\); fix it or pass --kubeconfig <file>)$/,
    );
  });
});

/** A one-context kubeconfig named `name` for the API server at `server`. */
function kubeconfig(name: string, server: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    `clusters: [{name: ${name}, cluster: {server: "${server}"}}]`,
    `users: [{name: ${name}, user: {token: t}}]`,
    `contexts: [{name: ${name}, context: {cluster: ${name}, user: ${name}}}]`,
    `current-context: ${name}`,
  ].join('\n');
}
