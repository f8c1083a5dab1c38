/**
 * The sweeper's canary tick for one service: under the service lock, run the analysis that is due
 * and act on it — the next weight through shiftWeight, the promotion through the approval policy,
 * the rollback through rollback — recording the canary's state in the same commit as the change.
 */
import { randomUUID } from 'node:crypto';
import type { ReleaseRecord } from '../types.js';
import { analyseCanary } from './analysis.js';
import { describeRequests } from './format.js';
import type { CanaryAnalysis } from './model.js';
import { canaryDue, canaryEndedOutside, decideCanary, describeStep } from './progress.js';
import { advanceCanary, promoteCanary, rollBackCanary } from './tick-actions.js';
import {
  baseCanary,
  type CanaryDeps,
  type CanaryUpdate,
  canaryUpdate,
  claimTickLock,
  saveCanary,
  type TickContext,
} from './tick-state.js';

export { CANARY_ACTOR, type CanaryDeps, type CanaryUpdate } from './tick-state.js';

/** Holds the step after a failed or inconclusive analysis: numbers, failures and the next check recorded. */
async function holdCanary(
  ctx: TickContext,
  analysis: CanaryAnalysis,
  failures: number,
): Promise<CanaryUpdate> {
  const { canary, record } = ctx;
  const at = `${canary.slot} ${describeStep(canary)}`;
  const failed = analysis.verdict === 'fail';
  const next = await saveCanary(
    ctx,
    record,
    { ...baseCanary(canary), failures, last: analysis, nextCheckAt: ctx.now + canary.intervalSeconds },
    {
      action: 'canary-check',
      summary: `canary analysis at ${canary.steps[canary.stepIndex]}%`,
      result: failed ? 'failed' : 'refused',
      reason: analysis.reason,
    },
  );
  const text = failed
    ? `⚠️ ${record.service}: canary analysis failed at ${at} (${failures} of ${canary.failureLimit} in a row): ${analysis.reason}`
    : `⏸️ ${record.service}: canary analysis inconclusive at ${at}: ${analysis.reason}; ${describeRequests(analysis, canary.slot, record.live)}`;
  return canaryUpdate(next, text, false);
}

/** An awaiting-approval canary whose request was rejected, expired or lost is paused; undefined otherwise. */
async function checkApproval(ctx: TickContext): Promise<CanaryUpdate | undefined> {
  const { canary, record, now } = ctx;
  const approval = canary.approvalId ? await ctx.deps.operations.getApproval(canary.approvalId) : undefined;
  if (approval?.status === 'approved') return undefined;
  if (approval?.status === 'pending' && approval.expiresAt >= now) return undefined;
  const why = !approval
    ? 'the promotion approval request is gone'
    : approval.status === 'rejected'
      ? `the promotion was rejected by <@${approval.decidedBy}>`
      : 'the promotion approval expired';
  const note = `${why}; /gray canary ${record.service} resume analyses again and asks again, or abort`;
  const next = await saveCanary(ctx, record, { ...baseCanary(canary), status: 'paused', note });
  return canaryUpdate(next, `⏸️ ${record.service}: canary paused: ${note}`, true);
}

/** One due canary, under the lock: ended outside, approval follow-up, drift hold, or analysis and action. */
async function tick(ctx: TickContext): Promise<CanaryUpdate | undefined> {
  const { canary, record, now } = ctx;
  const ended = canaryEndedOutside(record);
  if (ended) {
    const next = await saveCanary(
      ctx,
      record,
      { ...baseCanary(canary), status: ended.status, note: ended.note, endedAt: now },
      { action: 'canary', summary: 'canary ended', result: 'succeeded', reason: ended.note },
    );
    return canaryUpdate(
      next,
      `🐤 ${record.service}: the canary of ${canary.slot} ${canary.version} ended: ${ended.note}`,
      true,
    );
  }
  if (canary.status === 'awaiting-approval') return checkApproval(ctx);
  if (record.drift) {
    const note = `holding: ${record.service} has drifted (${record.drift.lines.join('; ')}); /gray adopt or /gray reconcile first`;
    const next = await saveCanary(ctx, record, {
      ...baseCanary(canary),
      note,
      nextCheckAt: now + canary.intervalSeconds,
    });
    return canaryUpdate(next, `⏸️ ${record.service}: canary ${note}`, false);
  }
  const analysis = await analyseCanary(ctx.deps.metricsFor?.(ctx.service), {
    service: ctx.service,
    slot: canary.slot,
    at: now,
  });
  const decision = decideCanary(canary, analysis.verdict);
  switch (decision.kind) {
    case 'hold':
      return holdCanary(ctx, analysis, decision.failures);
    case 'advance':
      return advanceCanary(ctx, analysis, decision.stepIndex, decision.weight);
    case 'promote':
      return promoteCanary(ctx, analysis);
    case 'rollback':
      return rollBackCanary(ctx, analysis, decision.failures);
  }
}

/**
 * runCanaryTick(record, now): claims the service lock, re-reads the record and, if its canary is due
 * at `now` (epoch seconds), runs one tick. Returns what happened, or undefined when nothing was due or
 * another operation holds the lock (the next sweep retries). Throws store errors only.
 */
export async function runCanaryTick(
  deps: CanaryDeps,
  due: ReleaseRecord,
  now: number,
): Promise<CanaryUpdate | undefined> {
  const service = deps.config.services.find((s) => s.name === due.service);
  if (!service) return undefined;
  const operationId = `canary:${service.name}:${now}:${randomUUID()}`;
  if (!(await claimTickLock({ deps, now, operationId }, service.name, 120))) return undefined;
  try {
    const record = await deps.store.get(service.name);
    if (!record?.canary || !canaryDue(record, now)) return undefined;
    return await tick({ deps, service, record, canary: record.canary, now, operationId });
  } finally {
    await deps.store.releaseLock(service.name, operationId);
  }
}
