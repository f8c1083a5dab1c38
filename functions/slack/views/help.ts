/** `/gray help`: every command with what it does. */
import { GRAY_USAGE } from '../command-grammar.js';
import { context, escapeText, header, type MessageView, section } from './blocks.js';

/** renderHelp(): the usage list (one line per command form) and how `[service]` is resolved. */
export function renderHelp(): MessageView {
  // Usage lines contain `<service>`: Slack would read an unescaped `<…>` as a link.
  const usage = escapeText(GRAY_USAGE);
  return {
    text: usage,
    blocks: [
      header('gray: gray releases from Slack'),
      section(usage),
      context(
        'Leave `[service]` out when this channel has exactly one release in progress. Versions are semver plus the git short SHA, like `1.0.1-fe220c2`.',
      ),
    ],
  };
}
