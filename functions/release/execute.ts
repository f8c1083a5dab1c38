import { abortCanary, pauseCanary, resumeCanary } from './canary/control.js';
import { startCanary } from './canary/start.js';
import type { ResolvedWriteCommand } from './commands.js';
import type { OperationDone, ReleaseDeps } from './context.js';
import { deploy } from './deploy.js';
import { adopt, reconcile } from './drift.js';
import { clearHeaderRoute, setHeaderRoute } from './header-route.js';
import type { OperationStore } from './operations.js';
import { promote } from './promote.js';
import { rollback } from './rollback.js';
import { type ApprovalRequired, shiftWeight } from './shift-weight.js';
import { teardown } from './teardown.js';
import { cancelTeardown, extendTeardown } from './teardown-schedule.js';

/**
 * Runs one write command through its use case (the worker's and any other surface's single entry).
 * `operationId` is the id that already holds the service lock (Slack ack path); `approved` says an
 * approver allowed a step above the max (`approvedBy` names them in the audit); `deps.operations`, when
 * given, lets a canary abort reject the promotion approval it asked for. Returns the use case's
 * result; throws its GrayErrors.
 */
export async function executeCommand(
  deps: ReleaseDeps & { operations?: OperationStore },
  command: ResolvedWriteCommand,
  context: { actor: string; operationId?: string; approved?: boolean; approvedBy?: string; channel?: string },
): Promise<OperationDone | ApprovalRequired> {
  const input = {
    service: command.service,
    actor: context.actor,
    ...(context.operationId ? { operationId: context.operationId } : {}),
    ...(context.approvedBy ? { approvedBy: context.approvedBy } : {}),
    ...(context.channel ? { channel: context.channel } : {}),
  };
  switch (command.verb) {
    case 'deploy':
      return deploy(deps, {
        ...input,
        version: command.version,
        ...(command.slot ? { slot: command.slot } : {}),
      });
    case 'weight':
      return shiftWeight(deps, {
        ...input,
        weight: command.weight,
        ...(context.approved ? { approved: true } : {}),
      });
    case 'route':
      return 'off' in command.route
        ? clearHeaderRoute(deps, input)
        : setHeaderRoute(deps, { ...input, ...command.route });
    case 'promote':
      return promote(deps, input);
    case 'rollback':
      return rollback(deps, input);
    case 'teardown':
      return teardown(deps, { ...input, slot: command.slot });
    case 'teardown-cancel':
      return cancelTeardown(deps, input);
    case 'teardown-extend':
      return extendTeardown(deps, { ...input, seconds: command.seconds });
    case 'adopt':
      return adopt(deps, input);
    case 'reconcile':
      return reconcile(deps, input);
    case 'canary':
      return startCanary(deps, {
        ...input,
        ...(command.steps ? { steps: command.steps } : {}),
        ...(command.interval !== undefined ? { intervalSeconds: command.interval } : {}),
      });
    case 'canary-pause':
      return pauseCanary(deps, input);
    case 'canary-resume':
      return resumeCanary(deps, input);
    case 'canary-abort':
      return abortCanary(deps, input);
  }
}
