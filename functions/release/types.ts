import type { CanaryState } from './canary/model.js';

/** The two Deployments of a service; a release always goes to the idle one (seed: BRIEF.md). */
export type Slot = 'blue' | 'green';

/** Both slot names, in display order. */
export const SLOTS: readonly Slot[] = ['blue', 'green'];

/** Returns the other slot: blue ↔ green. */
export function otherSlot(slot: Slot): Slot {
  return slot === 'blue' ? 'green' : 'blue';
}

/** Percent of the default route's traffic per slot; the two always add up to 100. */
export interface Weights {
  blue: number;
  green: number;
}

/**
 * Where a release stands (as Flagger's CanaryPhase, in gray's words).
 */
export type ReleasePhase =
  /** One slot serves 100% and the other carries nothing: no release in progress. */
  | 'stable'
  /** A new version is rolling out in the idle slot; it receives no traffic. */
  | 'deploying'
  /** The new slot is ready and gets no weighted traffic (a header route may point at it). */
  | 'ready'
  /** Traffic is split between the slots by weight. */
  | 'shifting'
  /** The new slot took 100%; the old slot is kept for the bake time before its teardown. */
  | 'promoted'
  /** Traffic went back to the previous slot. */
  | 'rolled-back'
  /** The last deploy failed; traffic was left untouched. */
  | 'failed';

/** Phases in which a release is "in progress" (the one a bare `/gray weight 25` refers to). */
export const IN_PROGRESS_PHASES: readonly ReleasePhase[] = ['deploying', 'ready', 'shifting', 'promoted'];

/** Lifecycle of one slot's Deployment as gray recorded it. */
export type SlotStatus = 'deploying' | 'ready' | 'failed' | 'scaled-down' | 'deleted';

/** One slot's recorded Deployment. Times are epoch seconds. */
export interface SlotState {
  version: string;
  image: string;
  replicas: number;
  deployedAt: number;
  status: SlotStatus;
  /** Why the slot failed (the Deployment's reason), when `status` is `failed`. */
  reason?: string;
}

/** The managed header route: requests matching it go to `slot` whatever the weights say. */
export interface HeaderRoute {
  /** Lower-case HTTP header name, e.g. `x-latest-version`. */
  header: string;
  /** Exact values matched (one for `header x=v`, several for a user cohort). */
  values: string[];
  slot: Slot;
}

/** A teardown of the old slot planned for `dueAt` (epoch seconds). */
export interface PendingTeardown {
  slot: Slot;
  /** Epoch seconds. */
  dueAt: number;
  /** `delete` for red/black, `scale-down` for blue/green with scale-down of the idle slot. */
  action: 'delete' | 'scale-down';
  /** Version the slot ran when the teardown was scheduled. */
  version: string;
}

/** The in-flight operation: the per-service lock (its own item, so it works before any record exists). Times are epoch seconds. */
export interface OperationLock {
  operationId: string;
  action: string;
  /** Human summary, e.g. `weight 25`. */
  summary: string;
  requester: string;
  since: number;
  expiresAt: number;
}

/** The state gray keeps per service (DynamoDB item `SERVICE#<name>` / `RELEASE`); the lock is a separate item. */
export interface ReleaseRecord {
  service: string;
  /** Optimistic-concurrency counter; every write is conditional on it. */
  version: number;
  /** The slot that serves the stable traffic. */
  live: Slot;
  slots: Partial<Record<Slot, SlotState>>;
  weights: Weights;
  headerRoute?: HeaderRoute;
  phase: ReleasePhase;
  teardown?: PendingTeardown;
  /** Slack channel the service's last operation came from: where the sweeper reports. */
  channel?: string;
  /** The automated canary of the current release, if one was started (kept after it ends, for its message). */
  canary?: CanaryState;
  /**
   * True once gray has seen (or added) both slots' subsets in the DestinationRule; route changes then
   * trust them without reading the rule. Cleared when a drift check finds a subset missing, and by adopt.
   */
  subsetsChecked?: boolean;
  /** Live state that differs from this record, as the sweeper last reported it; write commands wait for adopt/reconcile. */
  drift?: { signature: string; lines: string[]; detectedAt: number };
  /** Epoch seconds. */
  updatedAt: number;
  updatedBy: string;
}

/** Outcome of an action in the audit log. */
export type AuditResult = 'succeeded' | 'failed' | 'refused';

/** Snapshot of what an action changed, for the audit log's before → after. */
export interface ReleaseSnapshot {
  live: Slot;
  weights: Weights;
  headerRoute?: HeaderRoute;
  versions: Partial<Record<Slot, string>>;
  phase: ReleasePhase;
}

/** One audit event: who did what, when, before → after, and how it ended. */
export interface AuditEvent {
  service: string;
  /** Epoch milliseconds. */
  at: number;
  id: string;
  actor: string;
  action: string;
  summary: string;
  result: AuditResult;
  reason?: string;
  before?: ReleaseSnapshot;
  after?: ReleaseSnapshot;
  operationId?: string;
  /** Approver who allowed the action, when it needed approval. */
  approvedBy?: string;
}

/** Returns the audit snapshot of a record. */
export function snapshotOf(record: ReleaseRecord): ReleaseSnapshot {
  const versions: Partial<Record<Slot, string>> = {};
  for (const slot of SLOTS) {
    const state = record.slots[slot];
    if (state && state.status !== 'deleted') versions[slot] = state.version;
  }
  return {
    live: record.live,
    weights: { ...record.weights },
    ...(record.headerRoute ? { headerRoute: record.headerRoute } : {}),
    versions,
    phase: record.phase,
  };
}

/**
 * A header route in words: `x-latest-version=true` for one value, `x-user in (u1, u2)` for a cohort
 * (at most `maxValues` values named, then `+N more`).
 */
export function describeHeaderRoute(route: HeaderRoute, maxValues = Number.POSITIVE_INFINITY): string {
  if (route.values.length === 1) return `${route.header}=${route.values[0]}`;
  const named = route.values.slice(0, maxValues);
  const more = route.values.length - named.length;
  return `${route.header} in (${named.join(', ')}${more > 0 ? `, +${more} more` : ''})`;
}

/**
 * An audit snapshot in one line, for history: each slot's version (if it has one) and weight in
 * percent, then the header route and its slot (at most five values, each cut to 40 characters), e.g.
 * `blue 1.3.0-abc1234 75 / green 1.4.0-fe220c2 25; x-latest-version=true → green`.
 */
export function describeSnapshot(snapshot: ReleaseSnapshot): string {
  const slots = SLOTS.map((slot) => {
    const version = snapshot.versions[slot];
    return `${slot}${version ? ` ${version}` : ''} ${snapshot.weights[slot]}`;
  }).join(' / ');
  const route = snapshot.headerRoute && {
    ...snapshot.headerRoute,
    values: snapshot.headerRoute.values.map((v) => (v.length > 40 ? `${v.slice(0, 39)}…` : v)),
  };
  const routed = route ? `; ${describeHeaderRoute(route, 5)} → ${route.slot}` : '';
  return `${slots}${routed}`;
}
