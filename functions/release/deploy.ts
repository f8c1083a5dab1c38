import { buildDeployment, planDeploymentUpdate, slotImage } from '../istio/deployment.js';
import { buildService } from '../istio/service.js';
import { buildVirtualService } from '../istio/virtual-service.js';
import { parseSlot } from './arguments.js';
import {
  type OperationContext,
  type OperationDone,
  type OperationInput,
  type ReleaseDeps,
  readLiveRouting,
  runOperation,
} from './context.js';
import { ReleaseRefusedError, RolloutFailedError, toGrayError } from './errors.js';
import { ensureSubset } from './readiness.js';
import { deploymentRef, serviceRef } from './refs.js';
import { waitForRollout } from './rollout.js';
import { otherSlot } from './types.js';
import { parseReleaseVersion } from './version.js';

/** Input of deploy: `slot` defaults to the idle one (weight 0 and no header route). */
export interface DeployInput extends OperationInput {
  slot?: string;
  version: string;
}

async function ensureSharedObjects(ctx: OperationContext): Promise<void> {
  const { cluster, service } = ctx;
  if (!(await cluster.read(serviceRef(service)))) await cluster.create(buildService(service));
  // A release starts here, so the rule is checked whatever the record says (ensureSubset).
  await ensureSubset(ctx, true);
}

/**
 * deploy(service, slot?, version): rolls `version` out to the idle slot (seed rule: a new deployment
 * always goes to the slot whose weight is 0), ensuring Service and DestinationRule subsets first. Waits
 * for the rollout (progress reported); the first deploy of a service without a VirtualService creates
 * it with the new slot at 100%. Throws InvalidInputError, ReleaseRefusedError (slot carries traffic),
 * RolloutFailedError (traffic untouched, release recorded as failed).
 */
export async function deploy(deps: ReleaseDeps, input: DeployInput): Promise<OperationDone> {
  const version = parseReleaseVersion(input.version);
  const requested = input.slot === undefined ? undefined : parseSlot(input.slot);
  const summary = `deploy ${requested ? `${requested} ` : ''}${version}`;
  const service = deps.config.services.find((s) => s.name === input.service);
  const budgetSeconds = (service?.rolloutTimeout ?? 600) + 120;
  return runOperation(deps, { ...input, action: 'deploy', summary, budgetSeconds }, async (ctx) => {
    const { draft } = ctx;
    const routing = await readLiveRouting(ctx);
    const slot = requested ?? otherSlot(draft.live);
    if (routing) {
      const share = routing.weights[slot];
      if (share > 0) {
        throw new ReleaseRefusedError(
          `deploy: ${ctx.service.name} ${slot} carries ${share}% of traffic; deploy to the idle slot (${otherSlot(slot)}) or move its traffic off first with /gray weight`,
        );
      }
      if (routing.headerRoute?.slot === slot) {
        throw new ReleaseRefusedError(
          `deploy: the header route ${routing.headerRoute.header} sends requests to ${ctx.service.name} ${slot}; clear it first with /gray route ${ctx.service.name} off`,
        );
      }
    }
    draft.slots[slot] = {
      version,
      image: slotImage(ctx.service, version),
      replicas: ctx.service.replicas,
      deployedAt: ctx.startedAt,
      status: 'deploying',
    };
    draft.phase = 'deploying';
    if (draft.teardown?.slot === slot) delete draft.teardown;
    await ctx.checkpoint();

    const live = routing ? `${draft.live} keeps ${routing.weights[draft.live]}%` : 'no traffic was routed';
    try {
      await ensureSharedObjects(ctx);
      const ref = deploymentRef(ctx.service, slot);
      const existing = await ctx.cluster.read(ref);
      if (existing) {
        await ctx.cluster.edit(ref, (current) =>
          planDeploymentUpdate(ctx.service, current, version, ctx.service.replicas),
        );
      } else {
        await ctx.cluster.create(buildDeployment(ctx.service, slot, version));
      }
      await waitForRollout(
        { ...deps, cluster: ctx.cluster },
        ctx.service,
        slot,
        ctx.service.rolloutTimeout,
        ctx.progress,
      );
    } catch (error) {
      // Whatever stopped the deploy, the slot must not look deployable: promote, weight and routes
      // refuse a failed slot, so old pods never serve traffic under the new version's name.
      const reason = error instanceof RolloutFailedError ? error.reason : toGrayError(error).code;
      draft.slots[slot] = { ...draft.slots[slot]!, status: 'failed', reason };
      draft.phase = 'failed';
      if (error instanceof RolloutFailedError) {
        throw new RolloutFailedError(`deploy: ${error.message}; traffic untouched (${live})`, error.reason);
      }
      throw error;
    }
    draft.slots[slot] = { ...draft.slots[slot]!, status: 'ready' };
    if (!routing) {
      // First release of this service: nothing served traffic before, so the new slot goes live.
      const weights = { blue: 0, green: 0, [slot]: 100 } as { blue: number; green: number };
      await ctx.cluster.create(buildVirtualService(ctx.service, weights));
      Object.assign(draft, { live: slot, weights, phase: 'stable' });
      return `deployed ${ctx.service.name} ${slot} ${version}: ready and live (first release, 100%)`;
    }
    Object.assign(draft, { weights: routing.weights, phase: slot === draft.live ? 'stable' : 'ready' });
    if (routing.headerRoute) draft.headerRoute = routing.headerRoute;
    else delete draft.headerRoute;
    return `deployed ${ctx.service.name} ${slot} ${version}: ${ctx.service.replicas}/${ctx.service.replicas} ready, 0% of traffic; next: /gray weight ${ctx.service.name} 1 or /gray route ${ctx.service.name} header x-latest-version=true`;
  });
}
