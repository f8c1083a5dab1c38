// Renders Slack Block Kit as terminal text for the demo: sections and context lines as text, buttons
// as [Label], Slack mentions and dates in readable form.
type Block = {
  type: string;
  text?: { text?: string };
  elements?: { type: string; text?: unknown }[];
  fields?: { text?: string }[];
};

function plain(text: string): string {
  return text
    .replace(/<!date\^\d+\^[^|]*\|([^>]*)>/g, '$1')
    .replace(/<@([A-Z0-9]+)>/g, '@$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** One line per block; buttons in brackets. */
export function blocksToText(blocks: unknown[] | undefined, fallback = ''): string {
  if (!blocks || blocks.length === 0) return plain(fallback);
  const lines: string[] = [];
  for (const block of blocks as Block[]) {
    if (block.type === 'divider') lines.push('────────');
    if (block.text?.text) lines.push(plain(block.text.text));
    for (const field of block.fields ?? []) if (field.text) lines.push(plain(field.text));
    if (block.type === 'context')
      lines.push(...(block.elements ?? []).map((e) => plain(String((e.text as string) ?? ''))));
    if (block.type === 'actions') {
      lines.push(
        (block.elements ?? [])
          .map((e) => `[${(e.text as { text?: string } | undefined)?.text ?? '?'}]`)
          .join(' '),
      );
    }
  }
  return lines.join('\n');
}
