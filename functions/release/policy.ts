/**
 * Who may do what, and which commands wait for an approver — pure rules over gray.config.yaml.
 */
import type { GrayConfig, ServiceConfig } from '../config.js';
import { slotDeploymentName } from '../istio/labels.js';
import type { ResolvedWriteCommand, WriteCommand } from './commands.js';
import { GrayError, ReleaseRefusedError } from './errors.js';
import type { PlannedRouting } from './operations.js';
import { IN_PROGRESS_PHASES, otherSlot, type ReleaseRecord, type Weights } from './types.js';

/** The user or channel is not allowed to act on the service; nothing was recorded but the refusal. */
export class NotAllowedError extends GrayError {
  /** `message` names the rule that refused. */
  constructor(message: string) {
    super('not_allowed', message);
  }
}

/**
 * Refuses unless `actor` is in the service's `allowedUsers` (when that list is set) and `channel` in
 * its `allowedChannels` (when set). Throws NotAllowedError naming the rule.
 */
export function authorize(service: ServiceConfig, actor: string, channel: string | undefined): void {
  if (
    service.allowedUsers.length > 0 &&
    !service.allowedUsers.includes(actor) &&
    !service.approvers.includes(actor)
  ) {
    throw new NotAllowedError(
      `<@${actor}> is not in ${service.name}'s allowedUsers; ask one of ${service.approvers.map((a) => `<@${a}>`).join(', ') || 'the service owners'} to add you in gray.config.yaml`,
    );
  }
  if (channel && service.allowedChannels.length > 0 && !service.allowedChannels.includes(channel)) {
    throw new NotAllowedError(
      `${service.name} is not managed from this channel (allowedChannels); use <#${service.allowedChannels[0]}>`,
    );
  }
}

/**
 * Resolves `[svc]` for a command that left it out: the one service with a release in progress among
 * those bound to the channel (its allowedChannels, or every service when none names channels).
 * Throws ReleaseRefusedError listing the candidates when there are none or several.
 */
export function resolveService(
  config: GrayConfig,
  command: WriteCommand,
  channel: string | undefined,
  records: ReleaseRecord[],
): string {
  if (command.service) return command.service;
  const bound = config.services.filter(
    (s) => s.allowedChannels.length === 0 || (channel !== undefined && s.allowedChannels.includes(channel)),
  );
  const active = bound.filter((s) =>
    records.some((r) => r.service === s.name && IN_PROGRESS_PHASES.includes(r.phase)),
  );
  if (active.length === 1) return active[0]!.name;
  const names = (active.length > 1 ? active : bound).map((s) => s.name).join(', ') || '(none)';
  throw new ReleaseRefusedError(
    active.length > 1
      ? `${command.verb}: several services have a release in progress here (${names}); name one, like /gray ${command.verb} ${active[0]!.name} …`
      : `${command.verb}: no service has a release in progress in this channel; name one (${names}), like /gray ${command.verb} <service> …`,
  );
}

/** Why a command waits for an approver, with the routing before → after. */
export interface ApprovalNeed {
  reason: string;
  before: PlannedRouting;
  after: PlannedRouting;
}

const split = (live: 'blue' | 'green', newWeight: number): Weights =>
  ({ [live]: 100 - newWeight, [otherSlot(live)]: newWeight }) as unknown as Weights;

/**
 * Decides whether the service's policy holds `command` for approval (`approvalRequired`: promote,
 * teardown, weight steps above `maxWeightStep`, and optionally deploy, route, rollback). Pure.
 */
export function approvalNeeded(
  service: ServiceConfig,
  command: ResolvedWriteCommand,
  record: ReleaseRecord | undefined,
): ApprovalNeed | undefined {
  const live = record?.live ?? 'blue';
  const weights = record?.weights ?? { blue: 100, green: 0 };
  const before: PlannedRouting = {
    weights,
    ...(record?.headerRoute ? { headerRoute: record.headerRoute } : {}),
  };
  const required = service.approvalRequired;
  switch (command.verb) {
    case 'weight': {
      const step = Math.abs(command.weight - weights[otherSlot(live)]);
      if (!required.includes('weight-step') || step <= service.maxWeightStep) return undefined;
      return {
        reason: `a step of ${step} points is above ${service.name}'s max step of ${service.maxWeightStep}`,
        before,
        after: { weights: split(live, command.weight) },
      };
    }
    case 'promote':
      return required.includes('promote')
        ? {
            reason: `${service.name}'s policy requires approval to promote`,
            before,
            after: { weights: split(live, 100) },
          }
        : undefined;
    case 'rollback':
      return required.includes('rollback')
        ? {
            reason: `${service.name}'s policy requires approval to roll back`,
            before,
            after: { weights: split(live, 0) },
          }
        : undefined;
    case 'teardown': {
      if (!required.includes('teardown')) return undefined;
      // The routing does not change, so the card says what does: which Deployment goes, running what.
      const name = slotDeploymentName(service, command.slot);
      const running = record?.slots[command.slot]?.version;
      const effect = `${service.strategy === 'red-black' ? 'deletes' : 'scales to 0'} Deployment ${name}${running ? ` (${running})` : ''}`;
      return {
        reason: `${service.name}'s policy requires approval to tear down a slot; this ${effect}`,
        before,
        after: before,
      };
    }
    case 'deploy':
      return required.includes('deploy')
        ? { reason: `${service.name}'s policy requires approval to deploy`, before, after: before }
        : undefined;
    case 'route':
      return required.includes('route')
        ? {
            reason: `${service.name}'s policy requires approval to change the header route`,
            before,
            after: before,
          }
        : undefined;
    // Starting, pausing, resuming and aborting a canary need no approver: its first step still obeys
    // the weight-step policy (startCanary), later steps are gated by the analysis, and its promotion
    // goes through this function as a promote.
    case 'canary':
    case 'canary-pause':
    case 'canary-resume':
    case 'canary-abort':
      return undefined;
  }
}

/** Lock budget of a command, seconds: rollouts get their timeout plus slack, the rest two minutes. */
export function budgetSeconds(service: ServiceConfig, command: ResolvedWriteCommand): number {
  return command.verb === 'deploy' || command.verb === 'rollback' || command.verb === 'canary-abort'
    ? service.rolloutTimeout + 120
    : 120;
}
