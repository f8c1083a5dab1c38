/**
 * The one channel message per release operation, edited in place as it runs: title, state, the last
 * progress lines, the result, and next-step buttons (Promote, weight presets, Rollback) on success.
 */
import { otherSlot, type ReleaseRecord, type Slot } from '../../release/types.js';
import {
  type Button,
  button,
  code,
  confirmDialog,
  context,
  escapeText,
  fallback,
  type KnownBlock,
  type MessageView,
  mention,
  section,
} from './blocks.js';

/** Where an operation stands (as the worker reports it). */
export type OperationViewState = 'queued' | 'running' | 'succeeded' | 'failed' | 'refused';

/** What the operation message shows; `record` is the committed release after a success. */
export interface OperationView {
  service: string;
  /** Human summary, e.g. `weight 25`. */
  summary: string;
  /** Slack user id (or CLI name) of who asked. */
  actor: string;
  state: OperationViewState;
  /** Progress lines, oldest first; the last 10 are shown. */
  lines: string[];
  result?: string;
  record?: ReleaseRecord;
}

/** Weight presets offered as buttons (percent for the new slot). */
export const WEIGHT_PRESETS = [1, 5, 25, 50, 100] as const;

/** How many progress lines the message keeps. */
export const PROGRESS_LINES = 10;

const STATE: Record<OperationViewState, { emoji: string; label: string }> = {
  queued: { emoji: '🕒', label: 'queued' },
  running: { emoji: '⏳', label: 'running' },
  succeeded: { emoji: '✅', label: 'done' },
  failed: { emoji: '❌', label: 'failed' },
  refused: { emoji: '⛔', label: 'refused' },
};

// A slot that holds a release gray could send traffic to (or bring back).
const usable = (record: ReleaseRecord, slot: Slot, allowScaledDown: boolean): boolean => {
  const status = record.slots[slot]?.status;
  return status === 'ready' || status === 'deploying' || (allowScaledDown && status === 'scaled-down');
};

const versionOf = (record: ReleaseRecord, slot: Slot): string => {
  const version = record.slots[slot]?.version;
  return version ? ` (${version})` : '';
};

function promoteButton(service: string, record: ReleaseRecord): Button {
  const target = otherSlot(record.live);
  return button({
    text: 'Promote',
    actionId: 'gray_promote',
    value: JSON.stringify({ service }),
    style: 'primary',
    confirm: confirmDialog(
      `Promote ${service}?`,
      `Send 100% of ${service}'s traffic to ${target}${versionOf(record, target)} and remove the header route.`,
      'Promote',
      'primary',
    ),
  });
}

function rollbackButton(service: string, to: Slot, record: ReleaseRecord): Button {
  return button({
    text: 'Rollback',
    actionId: 'gray_rollback',
    value: JSON.stringify({ service }),
    style: 'danger',
    confirm: confirmDialog(
      `Roll back ${service}?`,
      `Send all of ${service}'s traffic back to ${to}${versionOf(record, to)}.`,
      'Roll back',
      'danger',
    ),
  });
}

/**
 * The buttons that make sense after a successful step, from the committed record: during a release
 * (ready, shifting) Promote, up to 4 weight presets above the new slot's weight, and Rollback; after a
 * promotion (promoted, stable with the old slot kept) Rollback only; otherwise none.
 */
export function nextStepButtons(service: string, record: ReleaseRecord): Button[] {
  const target = otherSlot(record.live);
  if ((record.phase === 'ready' || record.phase === 'shifting') && usable(record, target, false)) {
    const current = record.weights[target];
    const presets = WEIGHT_PRESETS.filter((n) => n > current)
      .slice(0, 4)
      .map((weight) =>
        button({
          text: `Weight ${weight}%`,
          actionId: `gray_weight_${weight}`,
          value: JSON.stringify({ service, weight }),
        }),
      );
    return [promoteButton(service, record), ...presets, rollbackButton(service, record.live, record)];
  }
  const teardown = record.teardown ? teardownButtons(service) : [];
  if ((record.phase === 'promoted' || record.phase === 'stable') && usable(record, target, true)) {
    return [rollbackButton(service, target, record), ...teardown];
  }
  return teardown;
}

/** Cancel and Extend (+30 min, +2 h) for a scheduled teardown. */
function teardownButtons(service: string): Button[] {
  return [
    button({ text: 'Cancel teardown', actionId: 'gray_teardown_cancel', value: JSON.stringify({ service }) }),
    button({
      text: 'Extend +30 min',
      actionId: 'gray_teardown_extend_1800',
      value: JSON.stringify({ service, seconds: 1800 }),
    }),
    button({
      text: 'Extend +2 h',
      actionId: 'gray_teardown_extend_7200',
      value: JSON.stringify({ service, seconds: 7200 }),
    }),
  ];
}

/** renderOperationMessage(op): the operation's channel message; buttons only once it succeeded with a record. */
export function renderOperationMessage(op: OperationView): MessageView {
  const { emoji, label } = STATE[op.state];
  const title = `${code(op.summary)} on *${escapeText(op.service)}* by ${mention(op.actor)}`;
  const blocks: KnownBlock[] = [section(`${emoji} ${title}: *${label}*`)];
  const lines = op.lines.slice(-PROGRESS_LINES);
  if (lines.length > 0) blocks.push(context(lines.map((line) => `› ${escapeText(line)}`).join('\n')));
  if (op.result) blocks.push(section(escapeText(op.result)));
  const buttons = op.state === 'succeeded' && op.record ? nextStepButtons(op.service, op.record) : [];
  if (buttons.length > 0) blocks.push({ type: 'actions', elements: buttons });
  const result = op.result ? `: ${op.result}` : '';
  return { text: fallback(`${emoji} ${op.summary} on ${op.service}: ${label}${result}`), blocks };
}
