import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { CHANNEL, type SlackStack, startSlackStack } from '../../support/slack-stack.js';

let stack: SlackStack;
const weights = () => stack.weights();

/** Finds the button with `actionId` in a message's blocks and returns its value. */
function buttonValue(blocks: unknown[] | undefined, actionId: string): string {
  const found = JSON.stringify(blocks ?? []).match(
    new RegExp(
      `"action_id":"${actionId}"[^}]*?"value":"((?:[^"\\\\]|\\\\.)*)"|"value":"((?:[^"\\\\]|\\\\.)*)"[^{}]*?"action_id":"${actionId}"`,
    ),
  );
  if (!found) throw new Error(`no ${actionId} button in ${JSON.stringify(blocks)}`);
  return JSON.parse(`"${found[1] ?? found[2]}"`) as string;
}

/** Deploys green, asks to promote, and returns the approval message's ts and approval id. */
async function requestPromotion(): Promise<{ ts: string; approvalId: string; reply: string }> {
  await stack.command('deploy address-service green 1.0.1-3b7c9e1');
  await stack.dispatcher.idle();
  stack.slack.reset();
  const ack = await stack.command('promote address-service', 'U0ALICE');
  await stack.dispatcher.idle();
  expect((ack.body as { text: string }).text).toBe(
    'on its way: promote on address-service; the answer follows here',
  );
  const message = stack.slack.messages(CHANNEL).at(-1)!;
  return {
    ts: message.ts,
    approvalId: buttonValue(message.blocks, 'gray_approve'),
    reply: stack.answers(stack.lastCommand()).join(' | '),
  };
}

/** Promotions that ran: succeeded promote events in the audit log. */
const promotions = async () =>
  (await stack.runtime.worker.release.store.history('address-service', 50)).filter(
    (e) => e.action === 'promote' && e.result === 'succeeded',
  ).length;

beforeEach(async () => {
  stack = await startSlackStack(inject('dynamoEndpoint'));
});
afterEach(() => stack.close());

describe('approvals through signed button clicks', () => {
  it('holds promote for approval, then an approver’s click promotes and the request message shows the decision', async () => {
    const { ts, approvalId, reply } = await requestPromotion();
    expect(reply).toBe(
      "promote on address-service needs approval (address-service's policy requires approval to promote); asked <@U0APPROVER>, <@U0APPROVER2>",
    );
    expect(weights()).toEqual({ blue: 100, green: 0 });

    const click = await stack.click('gray_approve', approvalId, 'U0APPROVER', ts, '1700000001.000001');
    await stack.dispatcher.idle();

    expect(click.statusCode).toBe(200);
    expect(weights()).toEqual({ blue: 0, green: 100 });
    const decided = stack.slack.message(CHANNEL, ts)!;
    expect(decided.text).toBe('promote on address-service: approved by <@U0APPROVER>');
    expect(JSON.stringify(decided.blocks)).not.toContain('gray_approve');
    const history = await stack.runtime.worker.release.store.history('address-service', 3);
    expect(history.map((e) => [e.actor, e.action, e.summary, e.result, e.approvedBy])).toEqual([
      ['U0ALICE', 'promote', 'promote', 'succeeded', 'U0APPROVER'],
      ['U0APPROVER', 'approval', 'approve: promote (requested by U0ALICE)', 'succeeded', undefined],
      ['U0ALICE', 'approval', 'request approval: promote', 'succeeded', undefined],
    ]);
  });

  it('runs one promotion when the same click is delivered twice', async () => {
    const { ts, approvalId } = await requestPromotion();
    const before = await promotions();

    await stack.click('gray_approve', approvalId, 'U0APPROVER', ts, '1700000002.000002');
    await stack.click('gray_approve', approvalId, 'U0APPROVER', ts, '1700000002.000002');
    await stack.dispatcher.idle();

    expect((await promotions()) - before).toBe(1);
    expect(weights()).toEqual({ blue: 0, green: 100 });
  });

  it('lets two approvers clicking at once promote exactly once; the second is told who approved', async () => {
    const { ts, approvalId } = await requestPromotion();
    const before = await promotions();

    await Promise.all([
      stack.click('gray_approve', approvalId, 'U0APPROVER', ts, '1700000003.000001'),
      stack.click('gray_approve', approvalId, 'U0APPROVER2', ts, '1700000003.000002'),
    ]);
    await stack.dispatcher.idle();

    expect((await promotions()) - before).toBe(1);
    // Whichever click lost the race is told, and told the name of the approver who won it.
    const clicks = [
      { approver: 'U0APPROVER', answers: stack.answers('click-1700000003.000001') },
      { approver: 'U0APPROVER2', answers: stack.answers('click-1700000003.000002') },
    ];
    const winner = clicks.find((c) => c.answers.length === 0)?.approver;
    expect(stack.slack.message(CHANNEL, ts)!.text).toBe(
      `promote on address-service: approved by <@${winner}>`,
    );
    expect(clicks.flatMap((c) => c.answers)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^(⚠️ promote on address-service was already approved by <@${winner}>|promote on address-service was already approved by <@${winner}>; it had not started yet, so it is queued now)$`,
        ),
      ),
    ]);
  });

  it('refuses the requester’s own approval', async () => {
    const { ts, approvalId } = await requestPromotion();

    await stack.click('gray_approve', approvalId, 'U0ALICE', ts, '1700000004.000001');
    await stack.dispatcher.idle();

    expect(stack.answers('click-1700000004.000001')).toEqual([
      '⚠️ you requested promote; another approver must approve it',
    ]);
    expect(weights()).toEqual({ blue: 100, green: 0 });
  });

  it('refuses an expired approval', async () => {
    const { ts, approvalId } = await requestPromotion();
    stack.clock.advance(3601_000);

    await stack.click('gray_approve', approvalId, 'U0APPROVER', ts, '1700000005.000001');
    await stack.dispatcher.idle();

    expect(stack.answers('click-1700000005.000001')).toEqual([
      expect.stringMatching(/^⚠️ promote on address-service expired at \d\d:\d\d UTC; ask for it again$/),
    ]);
    expect(weights()).toEqual({ blue: 100, green: 0 });
  });

  it('refuses a non-approver', async () => {
    const { ts, approvalId } = await requestPromotion();

    await stack.click('gray_approve', approvalId, 'U0MALLORY', ts, '1700000006.000001');
    await stack.dispatcher.idle();

    expect(stack.answers('click-1700000006.000001')).toEqual([
      '⚠️ only <@U0APPROVER>, <@U0APPROVER2> can approve promote on address-service',
    ]);
  });
});
