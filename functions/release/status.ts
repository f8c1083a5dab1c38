import { findService } from '../config.js';
import { type RolloutProgress, readRolloutProgress } from '../istio/deployment.js';
import { RouteNotFoundError, readHeaderRoute, readWeights } from '../istio/virtual-service.js';
import { adoptFromCluster } from './adopt.js';
import type { ReleaseDeps } from './context.js';
import { nowSeconds } from './ports.js';
import { deploymentRef, destinationRuleRef, virtualServiceRef } from './refs.js';
import {
  type AuditEvent,
  type HeaderRoute,
  type OperationLock,
  type ReleaseRecord,
  SLOTS,
  type Slot,
  type Weights,
} from './types.js';

/** What `status` shows: the record, what runs, and where the two disagree. */
export interface ReleaseStatus {
  service: string;
  /** The recorded state (adopted from the cluster, unsaved, when gray has no record yet). */
  record: ReleaseRecord;
  recorded: boolean;
  /** The operation holding the service lock, when one runs (or died: compare `expiresAt`). */
  lock?: OperationLock;
  live: {
    virtualService: boolean;
    weights?: Weights;
    headerRoute?: HeaderRoute;
    slots: Partial<Record<Slot, RolloutProgress>>;
    /** Slots without a subset in the DestinationRule (both when the rule is missing). */
    missingSubsets?: Slot[];
  };
  /** Human-readable differences between record and cluster; empty when they agree. */
  drift: string[];
}

const headerText = (route: HeaderRoute | undefined): string =>
  route ? `${route.header}=${route.values.join('|')} → ${route.slot}` : 'none';

/** Compares a record with the live routing and Deployments; returns one line per difference. */
export function findDrift(record: ReleaseRecord, live: ReleaseStatus['live']): string[] {
  const drift: string[] = [];
  if (
    live.weights &&
    (live.weights.blue !== record.weights.blue || live.weights.green !== record.weights.green)
  ) {
    drift.push(
      `weights: recorded blue ${record.weights.blue}/green ${record.weights.green}, live blue ${live.weights.blue}/green ${live.weights.green}`,
    );
  }
  if (live.virtualService && headerText(record.headerRoute) !== headerText(live.headerRoute)) {
    drift.push(
      `header route: recorded ${headerText(record.headerRoute)}, live ${headerText(live.headerRoute)}`,
    );
  }
  for (const slot of SLOTS) {
    const state = record.slots[slot];
    const running = live.slots[slot];
    if (
      state &&
      state.status !== 'deleted' &&
      state.status !== 'failed' &&
      running?.image &&
      running.image !== state.image
    ) {
      drift.push(`${slot} image: recorded ${state.image}, live ${running.image}`);
    }
    if (state && state.status !== 'deleted' && !running)
      drift.push(`${slot}: recorded ${state.version}, Deployment missing`);
  }
  // Route changes trust subsets the record has checked (ensureSubset); a removed one is drift.
  if (record.subsetsChecked && live.missingSubsets?.length) {
    drift.push(`DestinationRule: subset ${live.missingSubsets.join(' and ')} missing`);
  }
  return drift;
}

/**
 * status(service): recorded state, live weights and header route from the VirtualService, rollout
 * progress of both slots and drift. Reads only; never writes. Throws UnknownServiceError.
 */
export async function getStatus(deps: ReleaseDeps, input: { service: string }): Promise<ReleaseStatus> {
  const service = findService(deps.config, input.service);
  const cluster = deps.clusterFor(service);
  const [stored, lock, vs, rule, ...deployments] = await Promise.all([
    deps.store.get(service.name),
    deps.store.getLock(service.name),
    cluster.read(virtualServiceRef(service)),
    cluster.read(destinationRuleRef(service)),
    ...SLOTS.map((slot) => cluster.read(deploymentRef(service, slot))),
  ]);
  const subsets = ((rule?.spec ?? {}) as { subsets?: { name?: string }[] }).subsets ?? [];
  const missingSubsets = SLOTS.filter((slot) => !subsets.some((s) => s.name === slot));
  const slots: ReleaseStatus['live']['slots'] = {};
  SLOTS.forEach((slot, index) => {
    const deployment = deployments[index];
    if (deployment) slots[slot] = readRolloutProgress(service, deployment);
  });
  const headerRoute = vs ? readHeaderRoute(service, vs) : undefined;
  // A VirtualService without gray's route is exactly when an operator needs status: report, don't fail.
  let weights: Weights | undefined;
  let routeProblem: string | undefined;
  try {
    weights = vs ? readWeights(service, vs) : undefined;
  } catch (error) {
    if (!(error instanceof RouteNotFoundError)) throw error;
    routeProblem = error.message;
  }
  const live: ReleaseStatus['live'] = {
    virtualService: vs !== undefined,
    ...(weights ? { weights } : {}),
    ...(headerRoute ? { headerRoute } : {}),
    slots,
    ...(missingSubsets.length ? { missingSubsets } : {}),
  };
  const now = nowSeconds(deps.clock);
  const record =
    stored ??
    (routeProblem
      ? {
          service: service.name,
          version: 0,
          live: 'blue',
          slots: {},
          weights: { blue: 100, green: 0 },
          phase: 'stable',
          updatedAt: now,
          updatedBy: 'status',
        }
      : await adoptFromCluster(service, cluster, 'status', now));
  return {
    service: service.name,
    record,
    recorded: stored !== undefined,
    ...(lock ? { lock } : {}),
    live,
    drift: [...(routeProblem ? [routeProblem] : []), ...(stored ? findDrift(stored, live) : [])],
  };
}

/** history(service, n): the newest `limit` audit events (1–100), newest first. Throws UnknownServiceError. */
export async function getHistory(
  deps: ReleaseDeps,
  input: { service: string; limit?: number },
): Promise<AuditEvent[]> {
  const service = findService(deps.config, input.service);
  const limit = Math.min(Math.max(Math.trunc(input.limit ?? 10), 1), 100);
  return deps.store.history(service.name, limit);
}
