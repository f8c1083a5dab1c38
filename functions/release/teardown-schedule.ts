import { findService } from '../config.js';
import {
  clockTime,
  type OperationDone,
  type OperationInput,
  type ReleaseDeps,
  runOperation,
} from './context.js';
import { formatDuration } from './duration.js';
import { InvalidInputError, ReleaseRefusedError } from './errors.js';

/**
 * cancelTeardown(service): the pending scheduled teardown never runs (the old slot stays as it is).
 * Throws ReleaseRefusedError when none is pending.
 */
export async function cancelTeardown(deps: ReleaseDeps, input: OperationInput): Promise<OperationDone> {
  const service = findService(deps.config, input.service);
  return runOperation(
    deps,
    { ...input, action: 'teardown-cancel', summary: 'teardown cancel', budgetSeconds: 60 },
    async (ctx) => {
      const pending = ctx.draft.teardown;
      if (!pending)
        throw new ReleaseRefusedError(`teardown cancel: ${service.name} has no teardown scheduled`);
      delete ctx.draft.teardown;
      if (ctx.draft.phase === 'promoted') ctx.draft.phase = 'stable';
      return `${service.name}: the teardown of ${pending.slot} (${pending.version}) planned for ${clockTime(pending.dueAt)} is cancelled; ${pending.slot} stays as it is`;
    },
  );
}

/**
 * extendTeardown(service, seconds): moves the pending teardown `seconds` later (1 min – 7 days), so it
 * runs only after the new time. Throws InvalidInputError, ReleaseRefusedError when none is pending.
 */
export async function extendTeardown(
  deps: ReleaseDeps,
  input: OperationInput & { seconds: number },
): Promise<OperationDone> {
  const service = findService(deps.config, input.service);
  if (!Number.isInteger(input.seconds) || input.seconds < 60 || input.seconds > 7 * 86400) {
    throw new InvalidInputError(
      'teardown extend: give 1m to 7d, like /gray teardown address-service extend 2h',
    );
  }
  const summary = `teardown extend ${formatDuration(input.seconds)}`;
  return runOperation(
    deps,
    { ...input, action: 'teardown-extend', summary, budgetSeconds: 60 },
    async (ctx) => {
      const pending = ctx.draft.teardown;
      if (!pending)
        throw new ReleaseRefusedError(`teardown extend: ${service.name} has no teardown scheduled`);
      const dueAt = Math.max(pending.dueAt, ctx.startedAt) + input.seconds;
      ctx.draft.teardown = { ...pending, dueAt };
      return `${service.name}: the teardown of ${pending.slot} (${pending.version}) now runs at ${clockTime(dueAt)}`;
    },
  );
}
