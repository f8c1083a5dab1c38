/**
 * startCanary: put a deployed new slot on an automated step plan. The first step is applied at once
 * through shiftWeight (so the service's weight-step policy applies to it); the sweeper runs the
 * analyses from then on.
 */
import { canarySettings, findService } from '../../config.js';
import { summarizeCommand } from '../commands.js';
import {
  clockTime,
  loadRecord,
  type OperationDone,
  type OperationInput,
  type ReleaseDeps,
} from '../context.js';
import { formatDuration } from '../duration.js';
import { InvalidInputError } from '../errors.js';
import { nowSeconds } from '../ports.js';
import { shiftWeight } from '../shift-weight.js';
import { otherSlot } from '../types.js';
import { refuse, withServiceLock } from './lock.js';
import { type CanaryState, isCanaryActive } from './model.js';
import { describeStep } from './progress.js';
import { CANARY_INTERVAL, validateCanarySteps } from './steps.js';

/** Input of startCanary: `steps` (percent) and `intervalSeconds` default to the service's canary config. */
export interface StartCanaryInput extends OperationInput {
  steps?: number[];
  intervalSeconds?: number;
}

/**
 * startCanary(service, steps?, interval?): validates the plan (clamping a last step below maxWeight),
 * checks the new slot is deployed and ready with no canary active, moves it to the first step and
 * records the canary on the release in the same commit; the next analysis is due one interval later.
 * Throws InvalidInputError, ReleaseRefusedError (also when the first step needs approval), ServiceBusyError.
 */
export async function startCanary(deps: ReleaseDeps, input: StartCanaryInput): Promise<OperationDone> {
  const service = findService(deps.config, input.service);
  const settings = canarySettings(service);
  const plan = validateCanarySteps(input.steps ?? settings.steps, settings.maxWeight);
  const interval = input.intervalSeconds ?? settings.interval;
  if (!Number.isInteger(interval) || interval < CANARY_INTERVAL.min || interval > CANARY_INTERVAL.max) {
    throw new InvalidInputError(
      `canary: every ${formatDuration(interval)} is not an interval from 1m to 1d; write it like every 5m`,
    );
  }
  const summary = summarizeCommand({ verb: 'canary', service: service.name, steps: plan.steps, interval });
  const first = plan.steps[0]!;
  return withServiceLock(
    deps,
    service,
    {
      ...(input.operationId ? { operationId: input.operationId } : {}),
      action: 'canary',
      summary,
      actor: input.actor,
    },
    async (operationId) => {
      const audit = { service: service.name, actor: input.actor, action: 'canary', summary, operationId };
      const record = await loadRecord(deps, service, deps.clusterFor(service), input.actor);
      const slot = otherSlot(record.live);
      const state = record.slots[slot];
      if (isCanaryActive(record.canary)) {
        throw await refuse(
          deps,
          audit,
          `canary: ${service.name} already has a canary (${record.canary.status}, ${describeStep(record.canary)}); /gray canary ${service.name} abort first`,
        );
      }
      if (state?.status !== 'ready' || !['ready', 'shifting'].includes(record.phase)) {
        throw await refuse(
          deps,
          audit,
          `canary: ${service.name} has no deployed, ready new slot (${slot} is ${state?.status ?? 'not deployed'}, release ${record.phase}); deploy one first with /gray deploy ${service.name} <version>`,
        );
      }
      const now = nowSeconds(deps.clock);
      const canary: CanaryState = {
        status: 'running',
        slot,
        version: state.version,
        steps: plan.steps,
        stepIndex: 0,
        intervalSeconds: interval,
        nextCheckAt: now + interval,
        failures: 0,
        failureLimit: settings.failureLimit,
        startedBy: input.actor,
        startedAt: now,
        operationId,
        ...(plan.clamped !== undefined
          ? { note: `the last step ${plan.clamped}% was raised to the maximum weight ${settings.maxWeight}%` }
          : {}),
      };
      const shifted = await shiftWeight(deps, {
        service: service.name,
        actor: input.actor,
        operationId,
        weight: first,
        ...(input.channel ? { channel: input.channel } : {}),
        ...(input.approvedBy ? { approvedBy: input.approvedBy } : {}),
        amend: (draft, result) => {
          if (result === 'succeeded') draft.canary = canary;
        },
      });
      if (shifted.kind === 'approval-required') {
        throw await refuse(
          deps,
          audit,
          `canary: the first step ${first}% needs approval (${shifted.reason}); start with a smaller first step, like steps 1,5,25,50,${settings.maxWeight}`,
        );
      }
      await deps.store.appendAudit({
        ...audit,
        at: deps.clock.now(),
        id: `${operationId}:canary`,
        result: 'succeeded',
      });
      const rest = plan.steps.slice(1);
      const then =
        rest.length > 0 ? `then ${rest.join('%, ')}% every ${formatDuration(interval)}` : 'then promote';
      const clamped = canary.note ? ` (${canary.note})` : '';
      return {
        ...shifted,
        message: `canary started on ${service.name}: ${slot} ${state.version} has ${first}% (${describeStep(canary)}); first analysis at ${clockTime(canary.nextCheckAt)}, ${then}${clamped}`,
      };
    },
  );
}
