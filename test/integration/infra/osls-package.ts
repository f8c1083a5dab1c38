// Runs `osls package` on a copy of the project's serverless.yml in a temporary directory (functions/
// and node_modules/ linked), offline: no AWS credentials or profile, and a preload that refuses every
// TCP connection and records the attempt. While functions/sweeper.ts does not exist yet, the copy
// leaves out the sweeper function and infra/cloudformation/sweeper.yml, and says so.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isScalar, isSeq, parseDocument } from 'yaml';

const run = promisify(execFile);

/** A CloudFormation resource as osls writes it. */
export interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
  DependsOn?: string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

/** What one packaging run produced. */
export interface PackagedService {
  /** `.serverless/cloudformation-template-update-stack.json`, parsed. */
  template: {
    Resources: Record<string, CfnResource>;
    Outputs?: Record<string, unknown>;
    Conditions?: Record<string, unknown>;
  };
  /** The `.serverless` directory (zips, templates). */
  artifacts: string;
  /** False while functions/sweeper.ts is missing: the sweeper was left out of this build. */
  sweeperPackaged: boolean;
  /** TCP connections osls (or anything it started) tried to open; each was refused. */
  networkAttempts: string[];
  /** Wall-clock seconds of the `osls package` run. */
  seconds: number;
  /** Removes the temporary directory. */
  cleanup(): void;
}

// Loaded into every Node process of the run with --require: a connection attempt fails loudly and is
// written to the log named by GRAY_NETWORK_LOG. Unix sockets (IPC) stay allowed.
const FORBID_NETWORK = `
const net = require('node:net');
const { appendFileSync } = require('node:fs');
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const target = args[0];
  if (target && typeof target === 'object' && target.path) return connect.apply(this, args);
  const where = target && typeof target === 'object' ? target.host + ':' + target.port : String(target);
  appendFileSync(process.env.GRAY_NETWORK_LOG, where + '\\n');
  throw new Error('gray test: network access refused (' + where + ')');
};
`;

/** serverless.yml without the sweeper function and its resources file (comments kept). */
export function withoutSweeper(serverlessYml: string): string {
  const doc = parseDocument(serverlessYml);
  doc.deleteIn(['functions', 'sweeper']);
  const resources = doc.get('resources');
  if (!isSeq(resources)) throw new Error('serverless.yml: resources is not a list of file(...) includes');
  resources.items = resources.items.filter(
    (item) => !(isScalar(item) && String(item.value).includes('sweeper.yml')),
  );
  return doc.toString();
}

/** Packages the service at `root` with stage `test`; throws Error with osls's output when it fails. */
export async function packageService(root: string): Promise<PackagedService> {
  const work = mkdtempSync(join(tmpdir(), 'gray-osls-'));
  const sweeperPackaged = existsSync(join(root, 'functions', 'sweeper.ts'));
  const yml = readFileSync(join(root, 'serverless.yml'), 'utf8');
  writeFileSync(join(work, 'serverless.yml'), sweeperPackaged ? yml : withoutSweeper(yml));
  for (const file of ['package.json', 'tsconfig.json', 'gray.config.yaml'])
    cpSync(join(root, file), join(work, file));
  cpSync(join(root, 'infra', 'cloudformation'), join(work, 'infra', 'cloudformation'), { recursive: true });
  symlinkSync(join(root, 'functions'), join(work, 'functions'), 'dir');
  symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'), 'dir');
  const preload = join(work, 'forbid-network.cjs');
  const networkLog = join(work, 'network.log');
  writeFileSync(preload, FORBID_NETWORK);
  writeFileSync(networkLog, '');

  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AWS_') && !key.startsWith('SLS_') && key !== 'NODE_OPTIONS') env[key] = value;
  }
  Object.assign(env, {
    AWS_CONFIG_FILE: join(work, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    GRAY_NETWORK_LOG: networkLog,
    NODE_OPTIONS: `--require ${preload}`,
  });
  const started = performance.now();
  try {
    await run(
      process.execPath,
      [join(root, 'node_modules', 'osls', 'bin', 'serverless.js'), 'package', '--stage', 'test'],
      {
        cwd: work,
        env,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    rmSync(work, { recursive: true, force: true });
    throw new Error(`osls package failed:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: error });
  }
  const seconds = (performance.now() - started) / 1000;
  const artifacts = join(work, '.serverless');
  return {
    template: JSON.parse(readFileSync(join(artifacts, 'cloudformation-template-update-stack.json'), 'utf8')),
    artifacts,
    sweeperPackaged,
    networkAttempts: readFileSync(networkLog, 'utf8').split('\n').filter(Boolean),
    seconds,
    cleanup: () => rmSync(work, { recursive: true, force: true }),
  };
}
