// `npm run demo`: the seed's release, end to end, through the `gray` CLI, on the embedded local stack
// (DynamoDB Local + our Kubernetes API server seeded with happyride): deploy green, weight 1, weight 25,
// header route on, promote, teardown of blue after a shortened bake time; then the final Istio objects.
// `npm run demo -- --kubeconfig ~/.kube/config --context kind-istio` runs it against a real cluster.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { runCli } from '../functions/cli.js';
import { loadGrayConfig } from '../functions/config.js';
import { createClusterResolver } from '../functions/wiring.js';
import { startLocalStack } from './support/local-stack.js';

const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    context: { type: 'string' },
    version: { type: 'string', default: '1.1.0-5d2f3e9' },
  },
});
const dir = join(process.cwd(), '.gray-demo');
const real = values.kubeconfig !== undefined || values.context !== undefined;
const BAKE_SECONDS = 3;

const stack = await startLocalStack(dir, { realCluster: real });
Object.assign(process.env, stack.env);
// The shipped config, with the bake time shortened so the demo can show the teardown.
const config = parse(readFileSync('gray.config.yaml', 'utf8')) as { services: Record<string, unknown>[] };
for (const service of config.services)
  Object.assign(service, { bakeTime: `${BAKE_SECONDS}s`, rolloutTimeout: '60s' });
const configPath = join(dir, 'gray.config.yaml');
writeFileSync(configPath, stringify(config));

const globals = ['--config', configPath, '--as', 'demo-user'];
if (values.kubeconfig) globals.push('--kubeconfig', values.kubeconfig);
if (values.context) globals.push('--context', values.context);

let failures = 0;
async function gray(...args: string[]): Promise<number> {
  console.log(`\n$ gray ${args.join(' ')}`);
  const code = await runCli([...globals, ...args], {
    out: (t) => console.log(t),
    err: (t) => console.log(t),
  });
  if (code !== 0) failures++;
  return code;
}

try {
  const svc = 'address-service';
  await gray('status', svc);
  await gray('deploy', svc, 'green', values.version);
  await gray('weight', svc, '1');
  await gray('weight', svc, '25');
  await gray('route', svc, 'header', 'x-latest-version=true');
  await gray('status', svc);
  await gray('promote', svc);
  console.log(`\n(waiting out the demo's ${BAKE_SECONDS}s bake time)`);
  await new Promise((resolve) => setTimeout(resolve, BAKE_SECONDS * 1000));
  await gray('teardown', svc, 'blue');
  await gray('status', svc);
  await gray('history', svc);
  // The final Istio objects, read back through the same Kubernetes adapter gray uses.
  const cluster = createClusterResolver({
    ...(values.kubeconfig ? { kubeconfigPath: values.kubeconfig } : { kubeconfigPath: stack.kubeconfigPath }),
    ...(values.context ? { context: values.context } : {}),
  })(loadGrayConfig(configPath).services[0]!);
  for (const kind of ['VirtualService', 'DestinationRule'] as const) {
    const name = kind === 'VirtualService' ? 'address-service-deployment' : svc;
    const object = await cluster.read({ kind, namespace: 'happyride', name });
    if (!object) continue;
    const { apiVersion, metadata, spec } = object;
    console.log(
      `\n# final ${kind} ${name}\n${stringify({ apiVersion, kind, metadata: { name, namespace: metadata.namespace }, spec })}`,
    );
  }
} finally {
  await stack.stop();
}
if (failures > 0) {
  console.error(`\ndemo: ${failures} step(s) failed`);
  process.exitCode = 1;
} else {
  console.log(
    '\ndemo: the release walked through deploy → weight 1 → weight 25 → header route → promote → teardown.',
  );
}
