import { findService } from '../config.js';
import { planScale } from '../istio/deployment.js';
import { otherRoutesToSubset, readHeaderRoute, readWeights } from '../istio/virtual-service.js';
import { parseSlot } from './arguments.js';
import { type OperationDone, type OperationInput, type ReleaseDeps, runOperation } from './context.js';
import { ReleaseRefusedError } from './errors.js';
import { deploymentRef, virtualServiceRef } from './refs.js';

/** Input of teardown: the slot to remove. */
export interface TeardownInput extends OperationInput {
  slot: string;
}

/**
 * teardown(service, slot): deletes the slot's Deployment (red/black) or scales it to 0 (blue/green).
 * Refused while the live VirtualService gives the slot any weight or a header route points at it
 * (re-read first, so traffic never points at something missing). Throws ReleaseRefusedError.
 */
export async function teardown(deps: ReleaseDeps, input: TeardownInput): Promise<OperationDone> {
  const service = findService(deps.config, input.service);
  const slot = parseSlot(input.slot, `, like /gray teardown ${service.name} blue`);
  return runOperation(
    deps,
    { ...input, action: 'teardown', summary: `teardown ${slot}`, budgetSeconds: 120 },
    async (ctx) => {
      const { draft } = ctx;
      const name = service.name;
      if (slot === draft.live) {
        throw new ReleaseRefusedError(
          `teardown: ${name} ${slot} is the live slot; promote or roll back to the other slot first, then tear ${slot} down`,
        );
      }
      const vs = await ctx.cluster.read(virtualServiceRef(service));
      if (!vs) {
        throw new ReleaseRefusedError(
          `teardown: ${name} has no VirtualService ${service.virtualService}, so gray cannot see where traffic goes; restore it first`,
        );
      }
      const weight = readWeights(service, vs)[slot];
      if (weight > 0) {
        throw new ReleaseRefusedError(
          `teardown: ${name} ${slot} still carries ${weight}% of traffic; move it to 0 first (/gray promote or /gray rollback)`,
        );
      }
      if (readHeaderRoute(service, vs)?.slot === slot) {
        throw new ReleaseRefusedError(
          `teardown: the header route sends requests to ${name} ${slot}; clear it first with /gray route ${name} off`,
        );
      }
      const others = otherRoutesToSubset(service, vs, slot);
      if (others.length > 0) {
        throw new ReleaseRefusedError(
          `teardown: route ${others.join(', ')} of ${service.virtualService} still sends requests to subset ${slot}; change it first`,
        );
      }
      const ref = deploymentRef(service, slot);
      const state = draft.slots[slot];
      const version = state?.version ?? 'unknown';
      let done: string;
      if (service.strategy === 'red-black') {
        await ctx.cluster.remove(ref);
        if (state) draft.slots[slot] = { ...state, status: 'deleted' };
        done = `deleted Deployment ${ref.name} (${version})`;
      } else {
        const existing = await ctx.cluster.read(ref);
        if (existing) await ctx.cluster.edit(ref, (current) => planScale(current, 0));
        if (state) draft.slots[slot] = { ...state, status: 'scaled-down' };
        done = `scaled Deployment ${ref.name} (${version}) to 0`;
      }
      if (draft.teardown?.slot === slot) delete draft.teardown;
      if (draft.phase === 'promoted' || draft.phase === 'rolled-back') draft.phase = 'stable';
      return `teardown ${name} ${slot}: ${done}`;
    },
  );
}
