import type { KnownBlock } from '@slack/types';
import { type AuditEvent, describeSnapshot } from '../../release/types.js';
import { code, escapeKeepingMentions, escapeText, LIMITS, mention, truncate } from './blocks.js';

const RESULT_EMOJI: Record<AuditEvent['result'], string> = { succeeded: '✅', failed: '❌', refused: '⛔' };

/** `/gray history <svc> [n]`: one context line per audit event, newest first (≤ 50 blocks); a success shows the slots' versions and weights and the header route after it. */
export function renderHistory(service: string, events: AuditEvent[]): { text: string; blocks: KnownBlock[] } {
  if (events.length === 0) return { text: `${service}: no history yet`, blocks: [] };
  const lines = events.slice(0, 48).map((e) => {
    const when = `<!date^${Math.floor(e.at / 1000)}^{date_short_pretty} {time}|${new Date(e.at).toISOString()}>`;
    const after = e.result === 'succeeded' && e.after ? ` → ${escapeText(describeSnapshot(e.after))}` : '';
    const why = e.result === 'succeeded' ? '' : `: ${escapeKeepingMentions(truncate(e.reason ?? '', 300))}`;
    return `${RESULT_EMOJI[e.result]} ${when} ${mention(e.actor)} ${code(e.summary)}${after}${why}`;
  });
  return {
    text: `${service}: last ${lines.length} events`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `${service} history`.slice(0, 150) } },
      ...lines.map(
        (line): KnownBlock => ({
          type: 'context',
          elements: [{ type: 'mrkdwn', text: truncate(line, LIMITS.sectionText) }],
        }),
      ),
    ],
  };
}
