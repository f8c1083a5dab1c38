/**
 * The `gray` command line: the same use cases as Slack, against a kubeconfig context.
 * `gray deploy address-service green 1.0.1-abc1234`, `gray weight address-service 25`, `--dry-run`, `--json`.
 */
import { userInfo } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { type Action, type GlobalOptions, registerCommands } from './cli/commands.js';
import { DryRunCluster, DryRunStore } from './cli/dry-run.js';
import { cliText } from './cli/format.js';
import { explainStoreError } from './cli/store-errors.js';
import { loadGrayConfig } from './config.js';
import { resolveKubeconfigFiles } from './kubernetes/kubeconfig-files.js';
import type { ReleaseDeps } from './release/context.js';
import { ConfigError, InvalidInputError, toGrayError } from './release/errors.js';
import type { ReleaseStore } from './release/ports.js';
import { createReleaseDeps, createReleaseStore } from './wiring.js';

/** Where CLI output goes (tests capture it). */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/**
 * The release store from the environment, or, when it is not configured (no $GRAY_TABLE_NAME), a store
 * whose every method rejects with that ConfigError: the use cases check their arguments before they
 * touch the store, so a mistyped command gets its usage hint (exit 2) rather than the table message.
 */
function releaseStoreOrDeferredError(): ReleaseStore {
  try {
    return createReleaseStore();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return new Proxy({} as ReleaseStore, {
      // `then` stays undefined so the store is never taken for a promise.
      get: (_target, property) => (property === 'then' ? undefined : () => Promise.reject(error)),
    });
  }
}

/**
 * Runs one `gray` command line (`argv` without node and script) and returns the exit code: 0 done,
 * 1 refused or failed (message on stderr, never a stack trace), 2 usage error, 3 approval required.
 * With `--json` an error also prints `{"error": {code, message, exitCode}}` on stdout.
 */
export async function runCli(
  argv: string[],
  io: CliIo = { out: console.log, err: console.error },
  base?: Partial<ReleaseDeps>,
): Promise<number> {
  let exit = 0;
  const program = new Command('gray')
    .description(
      'gray releases on Kubernetes + Istio: deploy, shift weight, route, promote, roll back, tear down',
    )
    .option('--config <path>', 'gray.config.yaml (default $GRAY_CONFIG or ./gray.config.yaml)')
    .option('--kubeconfig <path>', 'kubeconfig file (default $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context for every service')
    .option('--dry-run', 'print the planned changes as a YAML diff; change nothing')
    .option('--json', 'print results as JSON')
    .option('--as <actor>', 'who is acting, for the audit log (default: your user name)')
    .option('--approve', 'approve a weight step above the max step yourself (audited)')
    .exitOverride()
    // A missing or extra argument is followed by that command's usage line and arguments.
    .showHelpAfterError()
    .configureOutput({
      writeOut: (s) => io.out(s.trimEnd()),
      writeErr: (s) => io.err(s.trimEnd()),
      // commander's own messages ("error: missing required argument 'percent'") speak as gray too.
      outputError: (s, write) => write(s.replace(/^error: /, 'gray: ')),
    });

  const run = (action: Action) => async () => {
    const options = program.opts<GlobalOptions>();
    // A mistyped --kubeconfig is bad input: refused before any operation takes its lock or audits.
    if (options.kubeconfig !== undefined) {
      try {
        resolveKubeconfigFiles({ path: options.kubeconfig });
      } catch (error) {
        throw new InvalidInputError(error instanceof Error ? error.message : String(error));
      }
    }
    const config = loadGrayConfig(options.config);
    let deps = createReleaseDeps(config, {
      ...base,
      store: base?.store ?? releaseStoreOrDeferredError(),
      access: {
        ...(options.kubeconfig ? { kubeconfigPath: options.kubeconfig } : {}),
        ...(options.context ? { context: options.context } : {}),
      },
      onProgress: (e) => io.err(`… ${options.dryRun ? '(dry run) ' : ''}${cliText(e.message)}`),
    });
    let dry: Map<string, DryRunCluster> | undefined;
    if (options.dryRun) {
      dry = new Map();
      const real = deps.clusterFor;
      const clusters = dry;
      deps = {
        ...deps,
        store: new DryRunStore(deps.store),
        clusterFor: (s) => {
          let c = clusters.get(s.name);
          if (!c) {
            c = new DryRunCluster(real(s));
            clusters.set(s.name, c);
          }
          return c;
        },
      };
    }
    const actor = (options.as ?? userInfo().username).trim();
    if (!actor) throw new InvalidInputError('--as needs a name for the audit log, like --as alice');
    const result = await action(deps, actor, options);
    const r = (result && typeof result === 'object' && 'kind' in result ? result : undefined) as
      | { kind: string; message?: string; reason?: string; summary?: string }
      | undefined;
    if (r?.kind === 'approval-required') exit = 3;
    const diff =
      dry &&
      [...dry.values()]
        .map((c) => c.diff())
        .filter(Boolean)
        .join('\n');
    if (options.json) {
      // One JSON document on stdout, whatever the flags: a dry run wraps the result with its plan.
      const document = dry ? { dryRun: true, result, plannedChanges: diff || null } : result;
      io.out(JSON.stringify(document, null, 2));
      return;
    }
    // A dry run's use case ran to the end against an overlay: its message says what would happen.
    const say = (text: string) =>
      io.out(`${options.dryRun ? '(dry run, not applied) ' : ''}${cliText(text)}`);
    if (typeof result === 'string') say(result);
    else if (r?.kind === 'approval-required') {
      io.out(`approval required for ${r.summary}: ${r.reason}; re-run with --approve to approve it yourself`);
    } else if (r) say(r.message ?? '');
    if (dry) {
      const planned = exit === 3 ? 'Planned changes once approved (--approve)' : 'Planned changes';
      io.out(`\n--dry-run: nothing was changed. ${planned}:\n${diff || '(none)'}`);
    }
  };

  registerCommands(program, run, io);

  // Each command above inherited the full usage after an error; a mistyped command name gets the
  // closest command and a pointer to the list instead of the whole help.
  program.showHelpAfterError('(gray --help lists the commands)');

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exit;
  } catch (error) {
    // With --json a script gets one JSON document on stdout for an error too; the text stays on stderr.
    const json = (program.opts<GlobalOptions>().json ?? false) || argv.includes('--json');
    const asJson = (code: string, message: string, exitCode: number) => {
      if (json) io.out(JSON.stringify({ error: { code, message, exitCode } }, null, 2));
      return exitCode;
    };
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0;
      // A bare `gray` printed the help and "failed" with commander's placeholder message.
      const said =
        error.code === 'commander.help'
          ? 'no command given; gray --help lists the commands'
          : error.message.replace(/^error: /, '');
      return asJson('usage', said, 2);
    }
    const gray = explainStoreError(error) ?? toGrayError(error);
    const message = cliText(gray.message);
    io.err(gray.expose ? `gray: ${message}` : `gray: internal error (${gray.code}): ${message}`);
    return asJson(
      gray.code,
      message,
      gray.code === 'invalid_input' || gray.code === 'unknown_service' ? 2 : 1,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await runCli(process.argv.slice(2));
}
