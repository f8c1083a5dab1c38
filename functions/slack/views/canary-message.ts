/**
 * The one channel message per canary, edited at every step: status, weight and step k of n, the last
 * analysis with both slots' numbers against their bounds, the next check time, and Pause (or Resume),
 * Abort and Promote-now buttons while the canary is active.
 */
import { describeCheck, describeRequests } from '../../release/canary/format.js';
import { type CanaryState, type CanaryStatus, isCanaryActive } from '../../release/canary/model.js';
import { otherSlot, type ReleaseRecord } from '../../release/types.js';
import {
  type Button,
  button,
  code,
  confirmDialog,
  context,
  escapeKeepingMentions,
  escapeText,
  fallback,
  fields,
  type KnownBlock,
  type MessageView,
  section,
  slackDate,
  weightBar,
} from './blocks.js';

const STATUS: Record<CanaryStatus, { emoji: string; label: string }> = {
  running: { emoji: '🐤', label: 'running' },
  paused: { emoji: '⏸️', label: 'paused' },
  'awaiting-approval': { emoji: '🙋', label: 'waiting for approval to promote' },
  promoted: { emoji: '🚀', label: 'promoted' },
  'rolled-back': { emoji: '⏪', label: 'rolled back' },
  aborted: { emoji: '⛔', label: 'aborted' },
  cancelled: { emoji: '⚪', label: 'ended' },
};

const VERDICT = { pass: '✅ passed', fail: '❌ failed', inconclusive: '⏸️ inconclusive' } as const;

/** `1% → *5%* → 25% → 50% → 100%`: the plan with the current step in bold. */
export function describePlan(canary: Pick<CanaryState, 'steps' | 'stepIndex'>): string {
  return canary.steps.map((step, i) => (i === canary.stepIndex ? `*${step}%*` : `${step}%`)).join(' → ');
}

/** Pause or Resume, Abort (confirmed) and Promote now (confirmed; follows the approval policy). */
export function canaryButtons(service: string, canary: CanaryState): Button[] {
  const value = JSON.stringify({ service });
  const live = otherSlot(canary.slot);
  const abort = button({
    text: 'Abort',
    actionId: 'gray_canary_abort',
    value,
    style: 'danger',
    confirm: confirmDialog(
      `Abort the canary of ${service}?`,
      `Stop the analysis and send all of ${service}'s traffic back to ${live}.`,
      'Abort',
      'danger',
    ),
  });
  if (canary.status === 'awaiting-approval') return [abort];
  const hold =
    canary.status === 'paused'
      ? button({ text: 'Resume', actionId: 'gray_canary_resume', value })
      : button({ text: 'Pause', actionId: 'gray_canary_pause', value });
  const promote = button({
    text: 'Promote now',
    actionId: 'gray_promote',
    value,
    style: 'primary',
    confirm: confirmDialog(
      `Promote ${service} now?`,
      `Skip the remaining steps and send 100% of ${service}'s traffic to ${canary.slot} (${canary.version}); the service's approval policy applies.`,
      'Promote',
      'primary',
    ),
  });
  return [hold, abort, promote];
}

/** renderCanaryMessage(record): the canary's message from the committed record (which must carry `canary`). */
export function renderCanaryMessage(record: ReleaseRecord): MessageView {
  const canary = record.canary;
  if (!canary) throw new Error(`internal: ${record.service} has no canary to show`);
  const { emoji, label } = STATUS[canary.status];
  const slot = canary.slot;
  const live = otherSlot(slot);
  const weight = record.weights[slot];
  const step = `step ${canary.stepIndex + 1} of ${canary.steps.length}`;
  const blocks: KnownBlock[] = [
    section(`${emoji} Canary of *${escapeText(record.service)}* ${slot} ${code(canary.version)}: *${label}*`),
    fields(
      `*Weight*\n${slot} ${weight}% · ${live} ${record.weights[live]}%\n\`${weightBar(weight)}\``,
      `*Plan* (${step})\n${describePlan(canary)}`,
    ),
  ];
  const last = canary.last;
  if (last) {
    const lines = [
      `*Last analysis* ${slackDate(last.at)}: ${VERDICT[last.verdict]} — ${escapeKeepingMentions(last.reason)}`,
      ...last.checks.map((check) => `• ${escapeText(describeCheck(check, slot, live))}`),
      `• ${escapeText(describeRequests(last, slot, live))}`,
    ];
    blocks.push(section(lines.join('\n')));
  }
  if (canary.note) blocks.push(section(`_${escapeKeepingMentions(canary.note)}_`));
  const facts = [`failed analyses in a row: ${canary.failures} of ${canary.failureLimit}`];
  if (canary.status === 'running') facts.unshift(`next analysis ${slackDate(canary.nextCheckAt)}`);
  if (canary.endedAt !== undefined) facts.unshift(`ended ${slackDate(canary.endedAt)}`);
  blocks.push(context(facts.join(' · ')));
  if (isCanaryActive(canary))
    blocks.push({ type: 'actions', elements: canaryButtons(record.service, canary) });
  return {
    text: fallback(`${emoji} canary of ${record.service} ${slot} ${weight}% (${step}): ${label}`),
    blocks,
  };
}
