/**
 * Keeps each canary's Slack message current. The message is the one of the operation that started
 * the canary (posted by SlackOperationReporter, its ts stored on that operation), edited in place with
 * chat.update; canaries started outside Slack (the CLI) have no such message and get channel notices only.
 */
import type { WebClient } from '@slack/web-api';
import type { CanaryUpdate } from '../release/canary/tick.js';
import type { OperationStore } from '../release/operations.js';
import type { ReleaseRecord } from '../release/types.js';
import { renderApprovalRequest } from './views/approval.js';
import { renderCanaryMessage } from './views/canary-message.js';

/** Edits canary messages and posts what the sweeper's canary ticks must tell the channel. */
export class CanaryPublisher {
  /** `client` is the bot's WebClient; `operations` holds the start operation's message ts; `now` is epoch ms. */
  constructor(
    private readonly client: WebClient,
    private readonly operations: OperationStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Edits the canary's message to show `record` (no-op without a canary, a channel, or a Slack-started message). */
  async refresh(record: ReleaseRecord): Promise<void> {
    const canary = record.canary;
    if (!canary || !record.channel) return;
    const start = await this.operations.getOperation(canary.operationId, Math.floor(this.now() / 1000));
    if (!start?.messageTs) return;
    const view = renderCanaryMessage(record);
    await this.client.chat.update({
      channel: start.channel ?? record.channel,
      ts: start.messageTs,
      text: view.text,
      blocks: view.blocks,
    });
  }

  /**
   * One sweeper canary update: the message edited, the text posted when it must be noticed
   * (rollback, promotion, approval asked, ended, stuck), and a promotion approval request posted
   * with Approve/Reject as /gray promote would. Updates without a channel do nothing.
   */
  async publish(update: CanaryUpdate): Promise<void> {
    if (!update.channel) return;
    await this.refresh(update.record);
    if (update.notify) await this.client.chat.postMessage({ channel: update.channel, text: update.text });
    const approval = update.approval;
    if (approval) {
      const posted = await this.client.chat.postMessage({
        channel: approval.channel,
        ...renderApprovalRequest(approval),
      });
      await this.operations.setApprovalMessage(approval.approvalId, approval.channel, posted.ts as string);
    }
  }
}
