/**
 * The sweeper's run (every minute): stale locks reconciled, due teardowns executed exactly once after
 * re-checking the live cluster, drift reported once per distinct difference, and due canary analyses.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readRolloutProgress } from '../istio/deployment.js';
import { readHeaderRoute, readWeights } from '../istio/virtual-service.js';
import { canaryDue } from './canary/progress.js';
import { type CanaryUpdate, runCanaryTick } from './canary/tick.js';
import { clockTime, type ReleaseDeps } from './context.js';
import { toGrayError } from './errors.js';
import type { OperationStore } from './operations.js';
import { nowSeconds } from './ports.js';
import { finishStaleOperation, recoverStaleLock } from './recover.js';
import { deploymentRef, virtualServiceRef } from './refs.js';
import { readAhead } from './service-lock.js';
import { getStatus } from './status.js';
import { teardown } from './teardown.js';
import { IN_PROGRESS_PHASES, type ReleaseRecord } from './types.js';

/** Something the sweeper tells a service's channel. */
export interface SweepNotice {
  service: string;
  channel?: string;
  kind: 'teardown-done' | 'teardown-blocked' | 'teardown-failed' | 'recovered' | 'drift';
  text: string;
}

/** What one run did, for logs and tests. */
export interface SweepReport {
  recovered: number;
  tornDown: string[];
  blocked: string[];
  drifted: string[];
  notices: SweepNotice[];
  /** Canary ticks that ran: each edits its canary's message; `notify` ones are also posted. */
  canaries: CanaryUpdate[];
}

/** Services whose drift is checked: release in progress, or changed in the last hour. */
const RECENT_SECONDS = 3600;

type SweepDeps = ReleaseDeps & { operations: OperationStore };

/** Why the scheduled teardown must not run now, or undefined when the live cluster allows it. */
async function teardownBlocker(deps: SweepDeps, record: ReleaseRecord): Promise<string | undefined> {
  const service = deps.config.services.find((s) => s.name === record.service);
  const pending = record.teardown;
  if (!service || !pending) return 'the service is no longer configured';
  const cluster = deps.clusterFor(service);
  const [vs, live] = await Promise.all([
    cluster.read(virtualServiceRef(service)),
    cluster.read(deploymentRef(service, record.live)),
  ]);
  if (vs) {
    const weight = readWeights(service, vs)[pending.slot];
    if (weight > 0) return `${pending.slot} has ${weight}% of traffic again`;
    if (readHeaderRoute(service, vs)?.slot === pending.slot)
      return `the header route sends requests to ${pending.slot}`;
  }
  const progress = live ? readRolloutProgress(service, live) : undefined;
  if (!progress || progress.available === 0)
    return `the live slot ${record.live} is not available (${progress?.available ?? 0}/${progress?.desired ?? 0})`;
  return undefined;
}

/**
 * Claims a service for one sweeper action: takes its lock under an id unique to this run (a shared id
 * would let an overlapping run share the claim) and reads the record as of the claim (readAhead).
 * Undefined when busy.
 */
async function claimService(
  deps: SweepDeps,
  service: string,
  action: string,
  summary: string,
  now: number,
  seconds: number,
): Promise<{ operationId: string; record: ReleaseRecord | undefined } | undefined> {
  const operationId = `${action}:${service}:${now}:${randomUUID()}`;
  const lock = {
    operationId,
    action,
    summary,
    requester: 'gray-sweeper',
    since: now,
    expiresAt: now + seconds,
  };
  const read = readAhead(deps.store, service);
  const attempt = await deps.store.acquireLock(service, lock, now);
  if (!attempt.acquired) return undefined;
  return { operationId, record: await read(attempt) };
}

/** Runs one due teardown under the service lock (the claim), exactly once across overlapping runs. */
async function runDueTeardown(
  deps: SweepDeps,
  due: ReleaseRecord,
  now: number,
  report: SweepReport,
): Promise<void> {
  const pending = due.teardown!;
  const claim = await claimService(
    deps,
    due.service,
    'teardown',
    `scheduled teardown ${pending.slot}`,
    now,
    300,
  );
  if (!claim) return;
  const { operationId, record } = claim;
  const current = record?.teardown;
  if (!record || !current || current.slot !== pending.slot || current.dueAt > now) {
    await deps.store.releaseLock(due.service, operationId, record?.version);
    return;
  }
  const channel = record.channel ? { channel: record.channel } : {};
  const blocker = await teardownBlocker(deps, record).catch(
    (error: unknown) => `the cluster could not be read (${toGrayError(error).message})`,
  );
  if (blocker) {
    const { teardown: _dropped, ...rest } = record;
    const reason = `not torn down: ${blocker}; run /gray teardown ${record.service} ${pending.slot} once it is safe`;
    await deps.store.save(
      { ...rest, version: record.version + 1, updatedAt: now, updatedBy: 'gray-sweeper' },
      record.version,
      {
        releaseLock: operationId,
        audit: {
          service: record.service,
          at: deps.clock.now(),
          id: `${operationId}:blocked`,
          actor: 'gray-sweeper',
          action: 'teardown',
          summary: `scheduled teardown ${pending.slot}`,
          result: 'refused',
          reason,
          operationId,
        },
      },
    );
    report.blocked.push(record.service);
    report.notices.push({
      service: record.service,
      ...channel,
      kind: 'teardown-blocked',
      text: `⛔ ${record.service}: scheduled teardown of ${pending.slot} (${pending.version}) ${reason}`,
    });
    return;
  }
  try {
    const done = await teardown(deps, {
      service: record.service,
      slot: pending.slot,
      actor: 'gray-sweeper',
      operationId,
    });
    report.tornDown.push(record.service);
    report.notices.push({
      service: record.service,
      ...channel,
      kind: 'teardown-done',
      text: `🧹 ${done.message} (scheduled for ${clockTime(pending.dueAt)})`,
    });
  } catch (error) {
    await deps.store.releaseLock(record.service, operationId);
    report.notices.push({
      service: record.service,
      ...channel,
      kind: 'teardown-failed',
      text: `❌ ${record.service}: scheduled teardown of ${pending.slot} failed: ${toGrayError(error).message}`,
    });
  }
}

/** Records drift once per distinct difference (signature), under the lock; clears it when it is gone. */
async function checkDrift(
  deps: SweepDeps,
  record: ReleaseRecord,
  now: number,
  report: SweepReport,
): Promise<void> {
  const status = await getStatus(deps, { service: record.service });
  const lines = status.drift;
  const signature = lines.length
    ? createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16)
    : undefined;
  if (signature === record.drift?.signature) return;
  const claim = await claimService(deps, record.service, 'drift', 'drift check', now, 60);
  if (!claim) return;
  const { operationId, record: fresh } = claim;
  if (!fresh || fresh.version !== record.version) {
    await deps.store.releaseLock(record.service, operationId, fresh?.version);
    return;
  }
  const { drift: _old, ...rest } = fresh;
  const next: ReleaseRecord = {
    ...rest,
    version: fresh.version + 1,
    ...(signature ? { drift: { signature, lines, detectedAt: now } } : {}),
  };
  await deps.store.save(next, fresh.version, { releaseLock: operationId });
  if (!signature) return;
  report.drifted.push(record.service);
  report.notices.push({
    service: record.service,
    ...(record.channel ? { channel: record.channel } : {}),
    kind: 'drift',
    text: `⚠️ ${record.service} has drifted from what gray recorded: ${lines.join('; ')}. Write commands wait until someone runs /gray adopt ${record.service} (accept the live state) or /gray reconcile ${record.service} (restore the record, needs approval).`,
  });
}

/**
 * sweep(): one scheduled run. Reads only what is due (Queries on the due index) plus the services
 * with a release in progress or a recent change for drift; canaries whose analysis is due (their
 * `nextCheckAt` ≤ now) get one tick each. Never throws for one service's trouble.
 */
export async function sweep(deps: SweepDeps): Promise<SweepReport> {
  const now = nowSeconds(deps.clock);
  const report: SweepReport = {
    recovered: 0,
    tornDown: [],
    blocked: [],
    drifted: [],
    notices: [],
    canaries: [],
  };
  for (const lock of await deps.store.listExpiredLocks(now)) {
    const notice = await recoverStaleLock(deps, lock).catch(() => undefined);
    if (notice) {
      report.recovered++;
      report.notices.push({ ...notice, kind: 'recovered' });
    }
  }
  for (const operation of await deps.operations.listStaleOperations(now)) {
    const notice = await finishStaleOperation(deps, operation).catch(() => undefined);
    if (notice) report.notices.push({ ...notice, kind: 'recovered' });
  }
  for (const due of await deps.store.listDueTeardowns(now)) {
    await runDueTeardown(deps, due, now, report).catch(() => undefined);
  }
  const records = await deps.store.getMany(deps.config.services.map((s) => s.name));
  for (const record of records) {
    if (
      !IN_PROGRESS_PHASES.includes(record.phase) &&
      now - record.updatedAt > RECENT_SECONDS &&
      !record.drift
    )
      continue;
    await checkDrift(deps, record, now, report).catch(() => undefined);
  }
  for (const record of records) {
    if (!canaryDue(record, now)) continue;
    const update = await runCanaryTick(deps, record, now).catch(() => undefined);
    if (update) report.canaries.push(update);
  }
  return report;
}
