/**
 * `/gray status`: one service's release as Block Kit — both slots with version, readiness and a weight
 * bar, the header route, a pending teardown, the busy lock, drift, and the last events.
 */
import { describeCanary } from '../../release/canary/progress.js';
import type { ReleaseStatus } from '../../release/status.js';
import { type AuditEvent, type HeaderRoute, SLOTS, type Slot } from '../../release/types.js';
import {
  code,
  context,
  escapeText,
  fallback,
  header,
  type KnownBlock,
  LIMITS,
  limitBlocks,
  type MessageView,
  mention,
  section,
  slackDate,
  truncate,
  weightBar,
} from './blocks.js';

/** How many audit events the status view lists. */
export const RECENT_EVENTS = 5;

const RESULT_EMOJI: Record<AuditEvent['result'], string> = { succeeded: '✅', failed: '❌', refused: '⛔' };

/** The header route as mrkdwn: `` `x-latest-version` = `true` → green ``, a cohort as `in`, or `none`. */
export function describeHeaderRoute(route: HeaderRoute | undefined): string {
  if (!route) return 'none';
  const [only] = route.values;
  const match =
    route.values.length === 1 && only !== undefined
      ? `${code(route.header)} = ${code(only)}`
      : `${code(route.header)} in ${route.values.map(code).join(', ')}`;
  return `${match} → ${route.slot}`;
}

/** The version a slot runs: the live label first, else the recorded one; undefined when there is none. */
export function slotVersion(status: ReleaseStatus, slot: Slot): string | undefined {
  const state = status.record.slots[slot];
  return (
    status.live.slots[slot]?.version ?? (state && state.status !== 'deleted' ? state.version : undefined)
  );
}

function readiness(status: ReleaseStatus, slot: Slot): string {
  const progress = status.live.slots[slot];
  const state = status.record.slots[slot];
  if (progress) {
    if (progress.failure) return `rollout failed: ${escapeText(progress.failure.reason)}`;
    return `${progress.available}/${progress.desired} ready`;
  }
  if (!state) return 'empty';
  // Without live progress (App Home renders from the record alone) the recorded state is all we know.
  return state.status === 'deleted' ? 'deleted' : `${state.status} (recorded)`;
}

function slotLine(status: ReleaseStatus, slot: Slot): string {
  const weights = status.live.weights ?? status.record.weights;
  const percent = weights[slot];
  const version = slotVersion(status, slot);
  const state = status.record.slots[slot];
  const failed = state?.status === 'failed' && state.reason ? ` · failed: ${escapeText(state.reason)}` : '';
  return [
    `\`${weightBar(percent)}\` ${String(percent).padStart(3, ' ')}%`,
    `*${slot}*${status.record.live === slot ? ' (live)' : ''}`,
    version ? code(version) : '—',
    `${readiness(status, slot)}${failed}`,
  ].join('  ');
}

function routingLines(status: ReleaseStatus): string {
  const lines = [
    `*Header route:* ${describeHeaderRoute(status.live.headerRoute ?? status.record.headerRoute)}`,
  ];
  const teardown = status.record.teardown;
  if (teardown) {
    const what = teardown.action === 'delete' ? 'delete' : 'scale down';
    lines.push(
      `*Teardown:* ${what} ${teardown.slot} (${code(teardown.version)}) ${slackDate(teardown.dueAt)}`,
    );
  }
  const canary = describeCanary(status.record.canary);
  if (canary) lines.push(`*Canary:* ${escapeText(canary)}`);
  return lines.join('\n');
}

/** One audit event on one line: result emoji, time, actor, summary, result (and why, when not a success). */
export function eventLine(event: AuditEvent): string {
  const why =
    event.result === 'succeeded' || !event.reason ? '' : `: ${escapeText(truncate(event.reason, 300))}`;
  return `${RESULT_EMOJI[event.result]} ${slackDate(event.at / 1000)} ${mention(event.actor)} ${code(event.summary)} ${event.result}${why}`;
}

/** The lines that flag trouble: busy lock, missing VirtualService, drift. Shared with App Home. */
export function warningBlocks(status: ReleaseStatus): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  const { lock } = status;
  if (lock) {
    blocks.push(
      section(
        `⏳ *Busy:* ${code(lock.summary)} by ${mention(lock.requester)} since ${slackDate(lock.since, '{time}')} (lock expires ${slackDate(lock.expiresAt, '{time}')})`,
      ),
    );
  }
  if (!status.live.virtualService)
    blocks.push(section('*VirtualService:* missing; the first deploy creates it'));
  if (status.drift.length > 0) {
    const lines = status.drift.map((line) => `• ${escapeText(line)}`);
    blocks.push(
      section(
        truncate(
          `⚠️ *Drift:* the cluster differs from gray's record\n${lines.join('\n')}`,
          LIMITS.sectionText,
        ),
      ),
    );
  }
  return blocks;
}

/**
 * renderStatus(status, recent?): Block Kit for `/gray status <svc>` (≤ 50 blocks, every text within
 * Slack's limits). `recent` are audit events, newest first; the first 5 are shown.
 */
export function renderStatus(status: ReleaseStatus, recent: readonly AuditEvent[] = []): MessageView {
  const { record } = status;
  const weights = status.live.weights ?? record.weights;
  const blocks: KnownBlock[] = [
    header(`${status.service} · ${record.phase}`),
    section(`*Phase:* ${record.phase} · *Live slot:* ${record.live}`),
    section(SLOTS.map((slot) => slotLine(status, slot)).join('\n')),
    section(routingLines(status)),
    ...warningBlocks(status),
  ];
  if (!status.recorded)
    blocks.push(context('Not recorded by gray yet: this is what runs in the cluster, adopted on read.'));
  const events = recent.slice(0, RECENT_EVENTS);
  if (events.length > 0) {
    blocks.push({ type: 'divider' }, section(['*Recent events*', ...events.map(eventLine)].join('\n')));
  }
  const drift = status.drift.length > 0 ? ` · ⚠️ drift (${status.drift.length})` : '';
  return {
    text: fallback(
      `${status.service}: ${record.phase} · blue ${weights.blue}% / green ${weights.green}%${drift}`,
    ),
    blocks: limitBlocks(blocks),
  };
}
