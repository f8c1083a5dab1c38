/**
 * Small Block Kit builders shared by the views. They escape what Slack would parse, and truncate or
 * refuse what Slack would reject (limits from docs.slack.dev/reference/block-kit).
 */
import type { types } from '@slack/bolt';

/** A Block Kit block Slack knows (re-exported from @slack/types through Bolt). */
export type KnownBlock = types.KnownBlock;
/** A Block Kit button element. */
export type Button = types.Button;

/** A message body: `text` is the notification fallback, `blocks` what Slack shows. */
export interface MessageView {
  text: string;
  blocks: KnownBlock[];
}

/** Block Kit limits, in characters or counts (Slack rejects the whole message past any of them). */
export const LIMITS = {
  blocksPerMessage: 50,
  /** Home tabs and modals allow more blocks than messages. */
  blocksPerView: 100,
  sectionText: 3000,
  sectionField: 2000,
  sectionFields: 10,
  headerText: 150,
  contextElements: 10,
  buttonText: 75,
  actionId: 255,
  buttonValue: 2000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  /** Not a Slack limit (40,000): a notification fallback longer than this helps nobody. */
  fallbackText: 3000,
} as const;

/** Escapes the three characters Slack parses in mrkdwn and fallback text: `&`, `<`, `>`. */
export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes like escapeText but keeps user and channel mentions (`<@U123>`, `<#C123>`) that gray itself writes. */
export function escapeKeepingMentions(text: string): string {
  return text
    .split(/(<[@#][A-Z0-9]+>)/)
    .map((part, i) => (i % 2 === 1 ? part : escapeText(part)))
    .join('');
}

/**
 * Shortens `text` to at most `max` characters, ending in `…`, without cutting a Slack token such as
 * `<!date^…>`, `<@U1>` or `&amp;` in half.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  // Our tokens are short (a date is ~70 characters); an older `<` is plain text, not a token.
  const open = cut.lastIndexOf('<');
  if (open > cut.lastIndexOf('>') && cut.length - open <= 120) cut = cut.slice(0, open);
  const amp = cut.lastIndexOf('&');
  if (amp >= 0 && cut.length - amp < 5 && !cut.includes(';', amp)) cut = cut.slice(0, amp);
  return `${cut}…`;
}

/** Inline code for a value (`1.0.1-fe220c2`); escaped, with backticks swapped so the span cannot break. */
export function code(text: string): string {
  return `\`${escapeText(text.replace(/`/g, 'ˋ'))}\``;
}

/** A Slack user mention (`<@U123>`) for a Slack user id; any other actor (CLI `alice`) as escaped text. */
export function mention(actor: string): string {
  return /^[UW][A-Z0-9]{2,}$/.test(actor) ? `<@${actor}>` : escapeText(actor);
}

/** Mentions joined by commas; `nobody` when empty. */
export function mentions(actors: readonly string[], nobody = 'nobody'): string {
  return actors.length === 0 ? nobody : actors.map(mention).join(', ');
}

/** `YYYY-MM-DD HH:MM UTC` for epoch seconds: what clients that cannot localise show. */
export function utcTime(epochSeconds: number): string {
  return `${new Date(epochSeconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Slack date formatting (epoch seconds), shown in the reader's own time zone: `<!date^…^…|fallback>`. */
export function slackDate(epochSeconds: number, format = '{date_short_pretty} {time}'): string {
  const seconds = Math.floor(epochSeconds);
  return `<!date^${seconds}^${format}|${utcTime(seconds)}>`;
}

/**
 * A 10-cell bar for a percent (0–100): `███░░░░░░░`. Any share above 0 shows at least one cell and
 * anything below 100 leaves one empty, so 1% and 99% never look like 0% and 100%.
 */
export function weightBar(percent: number): string {
  const cells = percent <= 0 ? 0 : percent >= 100 ? 10 : Math.min(9, Math.max(1, Math.round(percent / 10)));
  return `${'█'.repeat(cells)}${'░'.repeat(10 - cells)}`;
}

/** A header block (plain text, ≤ 150 characters). */
export function header(text: string): KnownBlock {
  return { type: 'header', text: { type: 'plain_text', text: truncate(text, LIMITS.headerText) } };
}

/** A section block with mrkdwn text (already escaped by the caller), truncated to 3,000 characters. */
export function section(mrkdwn: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(mrkdwn, LIMITS.sectionText) } };
}

/** A section of two-column fields (mrkdwn, ≤ 10 fields of ≤ 2,000 characters). */
export function fields(...mrkdwn: string[]): KnownBlock {
  return {
    type: 'section',
    fields: mrkdwn
      .slice(0, LIMITS.sectionFields)
      .map((text) => ({ type: 'mrkdwn' as const, text: truncate(text, LIMITS.sectionField) })),
  };
}

/** A context block: small grey mrkdwn lines (≤ 10 elements of ≤ 3,000 characters). */
export function context(...mrkdwn: string[]): KnownBlock {
  return {
    type: 'context',
    elements: mrkdwn
      .slice(0, LIMITS.contextElements)
      .map((text) => ({ type: 'mrkdwn' as const, text: truncate(text, LIMITS.sectionText) })),
  };
}

/** Sections holding `lines` (mrkdwn), as few as fit 3,000 characters each; one over-long line is truncated. */
export function sections(lines: readonly string[]): KnownBlock[] {
  const chunks: string[] = [];
  for (const line of lines) {
    const last = chunks.at(-1);
    if (last !== undefined && last.length + 1 + line.length <= LIMITS.sectionText)
      chunks[chunks.length - 1] = `${last}\n${line}`;
    else chunks.push(line);
  }
  return chunks.map(section);
}

/** A confirmation dialog (plain text; title ≤ 100, text ≤ 300, buttons ≤ 30 characters). */
export function confirmDialog(
  title: string,
  text: string,
  confirm: string,
  style?: 'primary' | 'danger',
): types.ConfirmationDialog {
  return {
    title: { type: 'plain_text', text: truncate(title, LIMITS.confirmTitle) },
    text: { type: 'plain_text', text: truncate(text, LIMITS.confirmText) },
    confirm: { type: 'plain_text', text: truncate(confirm, LIMITS.confirmButton) },
    deny: { type: 'plain_text', text: 'Cancel' },
    ...(style ? { style } : {}),
  };
}

/**
 * A button; text is truncated to 75 characters. Throws RangeError when `actionId` (> 255) or `value`
 * (> 2,000) is too long: cutting an id or a JSON value would make the click do something else.
 */
export function button(options: {
  text: string;
  actionId: string;
  value: string;
  style?: 'primary' | 'danger';
  confirm?: types.ConfirmationDialog;
}): Button {
  if (options.actionId.length > LIMITS.actionId || options.value.length > LIMITS.buttonValue) {
    throw new RangeError(`button ${options.actionId.slice(0, 40)}: action_id or value over Slack's limit`);
  }
  return {
    type: 'button',
    text: { type: 'plain_text', text: truncate(options.text, LIMITS.buttonText) },
    action_id: options.actionId,
    value: options.value,
    ...(options.style ? { style: options.style } : {}),
    ...(options.confirm ? { confirm: options.confirm } : {}),
  };
}

/** Keeps at most `max` blocks; past it, the last kept block says how many were left out. */
export function limitBlocks(blocks: KnownBlock[], max: number = LIMITS.blocksPerMessage): KnownBlock[] {
  if (blocks.length <= max) return blocks;
  const kept = blocks.slice(0, max - 1);
  return [...kept, context(`…${blocks.length - kept.length} more not shown`)];
}

/** Escapes and truncates a notification fallback text. */
export function fallback(text: string): string {
  return truncate(escapeText(text), LIMITS.fallbackText);
}
