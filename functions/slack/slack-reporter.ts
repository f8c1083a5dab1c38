import type { WebClient } from '@slack/web-api';
import type { OperationRecord, OperationStore } from '../release/operations.js';
import type { OperationReporter, OperationUpdate } from '../release/run-queued.js';
import { CanaryPublisher } from './canary-publisher.js';
import { renderCanaryMessage } from './views/canary-message.js';
import { renderOperationMessage } from './views/operation-message.js';

/**
 * Reports an operation as ONE channel message: posted on the first update (ts stored on the
 * operation, so a redelivery edits the same message) and edited in place with chat.update. Progress
 * edits are throttled to one per `minIntervalMs` (Slack's chat.update is rate limited); state
 * changes always go out.
 */
export class SlackOperationReporter implements OperationReporter {
  private readonly messages = new Map<
    string,
    { channel: string; ts: string; lastAt: number; lastState: string }
  >();

  private readonly canaries: CanaryPublisher;

  /** `client` is the bot's WebClient; `operations` stores the message ts. */
  constructor(
    private readonly client: WebClient,
    private readonly operations: OperationStore,
    private readonly minIntervalMs = 1000,
    private readonly now: () => number = Date.now,
  ) {
    this.canaries = new CanaryPublisher(client, operations, now);
  }

  /** Posts or edits the operation's message; operations without a channel are not reported. */
  async report(operation: OperationRecord, update: OperationUpdate): Promise<void> {
    const channel = operation.channel;
    if (!channel) return;
    const canary = update.state === 'succeeded' ? update.record?.canary : undefined;
    // A canary's start message becomes the canary's message; pause/resume/abort refresh that one too.
    if (
      canary &&
      canary.operationId !== operation.operationId &&
      operation.command.verb.startsWith('canary')
    ) {
      // Best effort: the operation's own message below still says what happened.
      await this.canaries.refresh(update.record!).catch(() => undefined);
    }
    const view =
      canary?.operationId === operation.operationId
        ? renderCanaryMessage(update.record!)
        : renderOperationMessage({
            service: operation.service,
            summary: operation.summary,
            actor: operation.actor,
            state: update.state,
            lines: update.lines,
            ...(update.result ? { result: update.result } : {}),
            ...(update.record ? { record: update.record } : {}),
          });
    const known =
      this.messages.get(operation.operationId) ??
      (operation.messageTs ? { channel, ts: operation.messageTs, lastAt: 0, lastState: '' } : undefined);
    if (!known) {
      const posted = await this.client.chat.postMessage({ channel, text: view.text, blocks: view.blocks });
      const ts = posted.ts as string;
      this.messages.set(operation.operationId, {
        channel: (posted.channel as string | undefined) ?? channel,
        ts,
        lastAt: this.now(),
        lastState: update.state,
      });
      await this.operations.setOperationMessage(operation.operationId, channel, ts);
      return;
    }
    const stateChanged = known.lastState !== update.state;
    if (!stateChanged && this.now() - known.lastAt < this.minIntervalMs) return;
    await this.client.chat.update({
      channel: known.channel,
      ts: known.ts,
      text: view.text,
      blocks: view.blocks,
    });
    this.messages.set(operation.operationId, { ...known, lastAt: this.now(), lastState: update.state });
  }
}
