import { describeCanary } from '../release/canary/progress.js';
import { clockTime } from '../release/context.js';
import type { ReleaseStatus } from '../release/status.js';
import { type AuditEvent, describeSnapshot, SLOTS } from '../release/types.js';

const bar = (percent: number): string => {
  const filled = Math.round(percent / 5);
  return `${'█'.repeat(filled)}${'░'.repeat(20 - filled)}`;
};

/** Renders `gray status` as plain text: both slots with version, readiness and a weight bar, header route, teardown, canary, drift. */
export function renderStatusText(status: ReleaseStatus): string {
  const { record, live } = status;
  const weights = live.weights ?? record.weights;
  const lines = [
    `${status.service}  phase: ${record.phase}  live: ${record.live}${status.recorded ? '' : '  (not yet recorded by gray)'}`,
  ];
  for (const slot of SLOTS) {
    const state = record.slots[slot];
    const progress = live.slots[slot];
    // As in Slack: a slot gray never deployed is empty; a recorded one missing from the cluster says so.
    const gone = !state ? 'empty' : state.status === 'deleted' ? 'deleted' : 'no Deployment';
    const ready = progress ? `${progress.available}/${progress.desired} ready` : gone;
    const version = progress?.version ?? (state && state.status !== 'deleted' ? state.version : '-');
    lines.push(
      `  ${slot.padEnd(5)} ${bar(weights[slot])} ${String(weights[slot]).padStart(3)}%  ${version.padEnd(24)} ${ready}`,
    );
  }
  const route = live.headerRoute ?? record.headerRoute;
  lines.push(
    `  header route: ${route ? `${route.header} = ${route.values.join(' | ')} → ${route.slot}` : 'none'}`,
  );
  if (record.teardown) {
    const { slot, action, dueAt, version } = record.teardown;
    lines.push(`  teardown: ${action} ${slot} (${version}) at ${clockTime(dueAt)}`);
  }
  const canary = describeCanary(record.canary);
  if (canary) lines.push(`  canary: ${canary}`);
  if (status.lock)
    lines.push(
      `  busy: ${status.lock.summary} by ${status.lock.requester} since ${clockTime(status.lock.since)}`,
    );
  if (!live.virtualService) lines.push('  VirtualService: missing (the first deploy creates it)');
  for (const d of status.drift) lines.push(`  DRIFT ${d}`);
  return lines.join('\n');
}

/** Renders audit events, newest first, one line each: when, who, what, and how it ended (the slots' versions and weights and the header route after a success, the reason otherwise). */
export function renderHistoryText(service: string, events: AuditEvent[]): string {
  if (events.length === 0) return `${service}: no history yet`;
  return events
    .map((e) => {
      const when = new Date(e.at).toISOString().replace('T', ' ').slice(0, 19);
      const after = e.after ? ` → ${describeSnapshot(e.after)}` : '';
      return `${when}  ${e.actor.padEnd(12)} ${e.summary.padEnd(30)} ${e.result}${e.result === 'succeeded' ? after : `: ${e.reason ?? ''}`}`;
    })
    .join('\n');
}

/** Domain messages name the Slack form of a next step (`/gray weight …`); on the command line it is `gray …`. */
export const cliText = (text: string): string => text.replaceAll('/gray ', 'gray ');
