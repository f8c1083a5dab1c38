/**
 * The `/gray` command vocabulary shared by the grammar (slack/command-grammar.ts), the Slack listeners,
 * the worker and the views. Values are already validated when a command exists.
 */
import { formatDuration } from './duration.js';
import type { Slot } from './types.js';

/** A header route request: one header value, a user cohort, or off. */
export type RouteSpec = { header: string; value: string } | { users: string[] } | { off: true };

/** A parsed `/gray …` command. `service` is absent where the user left `[svc]` out. */
export type GrayCommand =
  | { verb: 'help' }
  | { verb: 'status'; service?: string }
  | { verb: 'history'; service: string; limit: number }
  | { verb: 'deploy'; service: string; slot?: Slot; version: string }
  | { verb: 'weight'; service?: string; weight: number }
  | { verb: 'route'; service: string; route: RouteSpec }
  | { verb: 'promote'; service?: string }
  | { verb: 'rollback'; service?: string }
  | { verb: 'teardown'; service: string; slot: Slot }
  | { verb: 'teardown-cancel'; service: string }
  | { verb: 'teardown-extend'; service: string; seconds: number }
  | { verb: 'adopt'; service: string }
  | { verb: 'reconcile'; service: string }
  /** Start a canary; `steps` (percent) and `interval` (seconds) default to the service's canary config. */
  | { verb: 'canary'; service: string; steps?: number[]; interval?: number }
  | { verb: 'canary-pause'; service: string }
  | { verb: 'canary-resume'; service: string }
  | { verb: 'canary-abort'; service: string };

/** Commands that change a release: they run in the worker under the service lock. */
export type WriteCommand = Extract<GrayCommand, { verb: (typeof WRITE_VERBS)[number] }>;

/** A write command whose service is known (resolved from the channel when it was left out). */
export type ResolvedWriteCommand = WriteCommand & { service: string };

/** Verbs that change state. */
export const WRITE_VERBS = [
  'deploy',
  'weight',
  'route',
  'promote',
  'rollback',
  'teardown',
  'teardown-cancel',
  'teardown-extend',
  'adopt',
  'reconcile',
  'canary',
  'canary-pause',
  'canary-resume',
  'canary-abort',
] as const;

/** The words a user types first, for usage and "did you mean". */
export const ALL_VERBS = [
  'help',
  'status',
  'history',
  'deploy',
  'weight',
  'route',
  'promote',
  'rollback',
  'teardown',
  'adopt',
  'reconcile',
  'canary',
] as const;

/** Short human summary used in locks, messages and the audit log: `weight 25`, `deploy green 1.0.1-abc1234`. */
export function summarizeCommand(command: ResolvedWriteCommand): string {
  switch (command.verb) {
    case 'deploy':
      return `deploy ${command.slot ? `${command.slot} ` : ''}${command.version}`;
    case 'weight':
      return `weight ${command.weight}`;
    case 'route':
      return 'off' in command.route
        ? 'route off'
        : 'users' in command.route
          ? `route users ${command.route.users.join(',')}`
          : `route header ${command.route.header}=${command.route.value}`;
    case 'teardown':
      return `teardown ${command.slot}`;
    case 'teardown-cancel':
      return 'teardown cancel';
    case 'teardown-extend':
      return `teardown extend ${formatDuration(command.seconds)}`;
    case 'canary': {
      const steps = command.steps ? ` steps ${command.steps.join(',')}` : '';
      const every = command.interval !== undefined ? ` every ${formatDuration(command.interval)}` : '';
      return `canary${steps}${every}`;
    }
    case 'canary-pause':
      return 'canary pause';
    case 'canary-resume':
      return 'canary resume';
    case 'canary-abort':
      return 'canary abort';
    default:
      return command.verb;
  }
}
