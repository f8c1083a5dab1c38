/**
 * The `gray` subcommands: each parses its words, calls one use case through `run` (which wires the
 * deps, applies --dry-run and --json and prints) and returns what to print.
 */
import type { Command } from 'commander';
import { parseSlot } from '../release/arguments.js';
import { CanaryUsageError, parseCanaryArgs } from '../release/canary/command.js';
import { abortCanary, pauseCanary, resumeCanary } from '../release/canary/control.js';
import { startCanary } from '../release/canary/start.js';
import type { ReleaseDeps } from '../release/context.js';
import { parseDuration } from '../release/duration.js';
import { InvalidInputError, toGrayError } from '../release/errors.js';
import * as release from '../release/index.js';
import { sweep } from '../release/sweep.js';
import { createOperationStore } from '../wiring.js';
import { cliText, renderHistoryText, renderStatusText } from './format.js';

/** The global flags, as commander parses them. */
export interface GlobalOptions {
  config?: string;
  kubeconfig?: string;
  context?: string;
  dryRun?: boolean;
  json?: boolean;
  as?: string;
  approve?: boolean;
}

/** One command's work: given the wired deps, the acting user and the flags, what to print. */
export type Action = (deps: ReleaseDeps, actor: string, options: GlobalOptions) => Promise<unknown>;

/** `gray route <svc> header|users|off [spec]` as the use case's input; throws InvalidInputError. */
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

/** The help text after a command's usage: its examples, one per line. */
const examples = (lines: string): string => `\nExamples:\n${lines}`;

/** Adds every subcommand to `program`; each action runs through `run` (runCli's wrapper); notes go to `io.err`. */
export function registerCommands(
  program: Command,
  run: (action: Action) => () => Promise<void>,
  io: { err: (text: string) => void },
): void {
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
}
