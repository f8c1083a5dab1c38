/**
 * The `gray` command line: the same use cases as Slack, against a kubeconfig context.
 * `gray deploy address-service green 1.0.1-abc1234`, `gray weight address-service 25`, `--dry-run`, `--json`.
 */
import { userInfo } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { DryRunCluster, DryRunStore } from './cli/dry-run.js';
import { renderHistoryText, renderStatusText } from './cli/format.js';
import { explainStoreError } from './cli/store-errors.js';
import { loadGrayConfig } from './config.js';
import { resolveKubeconfigFiles } from './kubernetes/kubeconfig-files.js';
import { parseSlot } from './release/arguments.js';
import { CanaryUsageError, parseCanaryArgs } from './release/canary/command.js';
import { abortCanary, pauseCanary, resumeCanary } from './release/canary/control.js';
import { startCanary } from './release/canary/start.js';
import type { ReleaseDeps } from './release/context.js';
import { parseDuration } from './release/duration.js';
import { ConfigError, InvalidInputError, toGrayError } from './release/errors.js';
import * as release from './release/index.js';
import type { ReleaseStore } from './release/ports.js';
import { sweep } from './release/sweep.js';
import { createOperationStore, createReleaseDeps, createReleaseStore } from './wiring.js';

/** Where CLI output goes (tests capture it). */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

interface GlobalOptions {
  config?: string;
  kubeconfig?: string;
  context?: string;
  dryRun?: boolean;
  json?: boolean;
  as?: string;
  approve?: boolean;
}

type Action = (deps: ReleaseDeps, actor: string, options: GlobalOptions) => Promise<unknown>;

function parseRoute(service: string, kind: string, spec?: string) {
  if (kind === 'off') {
    if (spec !== undefined) {
      throw new InvalidInputError(`route: off takes nothing after it; type \`gray route ${service} off\``);
    }
    return { service, off: true as const };
  }
  if (kind === 'header' && spec?.includes('=')) {
    const at = spec.indexOf('=');
    return { service, header: spec.slice(0, at), value: spec.slice(at + 1) };
  }
  if (kind === 'users' && spec) return { service, users: spec.split(',').filter(Boolean) };
  const word = ['header', 'users', 'off'].includes(kind) ? '' : `"${kind}" is not header, users or off; `;
  throw new InvalidInputError(
    `route: ${word}type \`gray route ${service} header <name>=<value>\`, \`gray route ${service} users <id,…>\` or \`gray route ${service} off\`, like \`gray route ${service} header x-latest-version=true\``,
  );
}

/** The words after `gray canary <service>`; unknown words get the CLI's usage. Throws InvalidInputError. */
function parseCliCanaryArgs(service: string, words: string[]) {
  try {
    return parseCanaryArgs(words.map((word) => word.toLowerCase()));
  } catch (error) {
    if (!(error instanceof CanaryUsageError)) throw error;
    throw new InvalidInputError(
      `${error.message}; type \`gray canary ${service} [steps 1,5,25,50,100] [every 5m]\` or \`gray canary ${service} pause|resume|abort\``,
    );
  }
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

/** The help text after a command's usage: its examples, one per line. */
const examples = (lines: string): string => `\nExamples:\n${lines}`;

/** Domain messages name the Slack form of a next step (`/gray weight …`); on the command line it is `gray …`. */
const cliText = (text: string): string => text.replaceAll('/gray ', 'gray ');

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

  program
    .command('deploy <service> <slotOrVersion> [version]')
    .description('deploy a version to a slot (default: the idle one)')
    .addHelpText(
      'after',
      examples(
        '  gray deploy address-service 1.4.0-fe220c2\n  gray deploy address-service green 1.4.0-fe220c2',
      ),
    )
    .action((service: string, a: string, b?: string) =>
      run((deps, actor) =>
        release.deploy(deps, {
          service,
          actor,
          ...(b ? { slot: parseSlot(a), version: b } : { version: a }),
        }),
      )(),
    );
  program
    .command('weight <service> <percent>')
    .description('send <percent> of traffic to the new slot')
    .addHelpText('after', examples('  gray weight address-service 25'))
    .action((service: string, weight: string) =>
      run(async (deps, actor, o) => {
        const approved = { approved: true, approvedBy: actor };
        const result = await release.shiftWeight(deps, {
          service,
          actor,
          weight,
          ...(o.approve ? approved : {}),
        });
        // A dry run also plans the step as approved, so the diff shows what --approve would change;
        // if even that would be refused, the refusal is a note and the answer stays "approval required".
        if (o.dryRun && result.kind === 'approval-required') {
          await release.shiftWeight(deps, { service, actor, weight, ...approved }).catch((error: unknown) => {
            io.err(`gray: with --approve it would still not run: ${cliText(toGrayError(error).message)}`);
          });
        }
        return result;
      })(),
    );
  program
    .command('route <service> <header|users|off> [spec]')
    .description('header route: `header x-latest-version=true`, `users u1,u2`, `off`')
    .addHelpText(
      'after',
      examples(
        '  gray route address-service header x-latest-version=true\n  gray route address-service users u1,u2\n  gray route address-service off',
      ),
    )
    .action((service: string, kind: string, spec?: string) =>
      run((deps, actor) => {
        const route = parseRoute(service, kind, spec);
        return 'off' in route
          ? release.clearHeaderRoute(deps, { service, actor })
          : release.setHeaderRoute(deps, { ...route, actor });
      })(),
    );
  program
    .command('promote <service>')
    .description("100% to the new slot; schedule the old slot's teardown")
    .addHelpText('after', examples('  gray promote address-service'))
    .action((service: string) => run((deps, actor) => release.promote(deps, { service, actor }))());
  program
    .command('rollback <service>')
    .description('all traffic back to the previous slot')
    .addHelpText('after', examples('  gray rollback address-service'))
    .action((service: string) => run((deps, actor) => release.rollback(deps, { service, actor }))());
  program
    .command('teardown <service> <slotOrAction> [duration]')
    .description('teardown <svc> <blue|green> now; or `cancel` / `extend 2h` the scheduled one')
    .addHelpText(
      'after',
      examples(
        '  gray teardown address-service blue\n  gray teardown address-service extend 2h\n  gray teardown address-service cancel',
      ),
    )
    .action((service: string, what: string, duration?: string) =>
      run((deps, actor) => {
        if (duration !== undefined && what !== 'extend') {
          if (what !== 'cancel') parseSlot(what, `, like gray teardown ${service} blue`);
          throw new InvalidInputError(
            `teardown: "${duration}" goes only with extend; type \`gray teardown ${service} extend ${duration}\` to postpone the scheduled teardown, or \`gray teardown ${service} ${what}\` alone`,
          );
        }
        if (what === 'cancel') return release.cancelTeardown(deps, { service, actor });
        if (what === 'extend') {
          if (!duration)
            throw new InvalidInputError(
              'teardown extend: give a duration, like `gray teardown address-service extend 2h`',
            );
          return release.extendTeardown(deps, { service, actor, seconds: parseDuration(duration) });
        }
        return release.teardown(deps, { service, actor, slot: what });
      })(),
    );
  program
    .command('canary <service> [words...]')
    .description('canary <svc> [steps 1,5,25,50,100] [every 5m] starts one; canary <svc> pause|resume|abort')
    .addHelpText(
      'after',
      examples(
        '  gray canary address-service steps 1,5,25,50,100 every 5m\n  gray canary address-service pause',
      ),
    )
    .action((service: string, words: string[] = []) =>
      run((deps, actor) => {
        const args = parseCliCanaryArgs(service, words);
        const input = { service, actor };
        if (args.action !== 'start') {
          const control = { pause: pauseCanary, resume: resumeCanary, abort: abortCanary }[args.action];
          return control(deps, input);
        }
        return startCanary(deps, {
          ...input,
          ...(args.steps ? { steps: args.steps } : {}),
          ...(args.interval !== undefined ? { intervalSeconds: args.interval } : {}),
        });
      })(),
    );
  program
    .command('adopt <service>')
    .description('accept the live (drifted) state into the record')
    .addHelpText('after', examples('  gray adopt address-service'))
    .action((service: string) => run((deps, actor) => release.adopt(deps, { service, actor }))());
  program
    .command('reconcile <service>')
    .description('put the recorded weights and header route back on the VirtualService')
    .addHelpText('after', examples('  gray reconcile address-service'))
    .action((service: string) => run((deps, actor) => release.reconcile(deps, { service, actor }))());
  program
    .command('sweep')
    .description('run the sweeper once: stale operations, due teardowns, drift, due canary analyses')
    .action(() =>
      run(async (deps, _actor, o) => {
        const report = await sweep({ ...deps, operations: createOperationStore() });
        const lines = [...report.notices.map((n) => n.text), ...report.canaries.map((c) => c.text)];
        return o.json ? report : lines.join('\n') || 'sweep: nothing due';
      })(),
    );
  program
    .command('status [service]')
    .description('recorded and live state, readiness, drift')
    .action((service?: string) =>
      run(async (deps, _actor, o) => {
        const names = service ? [service] : deps.config.services.map((s) => s.name);
        const all = await Promise.all(names.map((name) => release.getStatus(deps, { service: name })));
        return o.json ? all : all.map(renderStatusText).join('\n\n');
      })(),
    );
  program
    .command('history <service> [n]')
    .description('the last n audit events (default 10)')
    .addHelpText('after', examples('  gray history address-service 20'))
    .action((service: string, n?: string) =>
      run(async (deps, _actor, o) => {
        if (n !== undefined && !(/^\d{1,3}$/.test(n) && Number(n) >= 1 && Number(n) <= 100))
          throw new InvalidInputError(
            `history: n "${n}" must be a whole number from 1 to 100, like \`gray history ${service} 20\``,
          );
        const events = await release.getHistory(deps, { service, limit: n ? Number(n) : 10 });
        return o.json ? events : renderHistoryText(service, events);
      })(),
    );

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
