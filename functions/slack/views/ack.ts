/**
 * The Slack function's ack of a command it handed to the worker: one short ephemeral line. The
 * answer (queued, refused, the status, the history) follows from the worker through the command's
 * response_url.
 */
import { summarizeCommand } from '../../release/commands.js';
import type { DispatchedCommand } from '../dispatch.js';
import { escapeText } from './blocks.js';

/**
 * renderAck(command): `reading the status of address-service…` (or `of this channel’s services`),
 * `reading the history of address-service…`, and for writes `on its way: weight 25 on
 * address-service; the answer follows here` (`on address-service` only when the service was named).
 */
export function renderAck(command: DispatchedCommand): { text: string } {
  if (command.verb === 'status') {
    return { text: `reading the status of ${command.service ?? 'this channel’s services'}…` };
  }
  if (command.verb === 'history') return { text: `reading the history of ${command.service}…` };
  // The summary reads only the command's own fields; the service is added after it when named.
  const summary = summarizeCommand({ ...command, service: command.service ?? '' });
  const on = command.service ? ` on ${command.service}` : '';
  return { text: `on its way: ${escapeText(summary)}${on}; the answer follows here` };
}
