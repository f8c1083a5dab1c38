/** Ephemeral error replies: the one place an error becomes Slack text. */
import { toGrayError } from '../../release/errors.js';
import { code, escapeKeepingMentions, LIMITS, type MessageView, section, truncate } from './blocks.js';

/**
 * renderError(message, correlationId?): without a correlation id the message is user-facing and shown
 * verbatim (escaped for Slack); with one the error is internal, its message is NOT shown (it may hold
 * secrets), and the reply names the correlation id that is in the logs.
 */
export function renderError(message: string, correlationId?: string): MessageView {
  const text =
    correlationId === undefined
      ? truncate(`⚠️ ${escapeKeepingMentions(message)}`, LIMITS.sectionText)
      : `⚠️ gray hit an internal error (correlation id ${code(correlationId)}); the team can find it in the logs`;
  return { text, blocks: [section(text)] };
}

/** renderErrorReply(error, correlationId): renderError for any thrown value: exposed GrayErrors verbatim, the rest as internal. */
export function renderErrorReply(error: unknown, correlationId: string): MessageView {
  const gray = toGrayError(error);
  return gray.expose ? renderError(gray.message) : renderError(gray.message, correlationId);
}
