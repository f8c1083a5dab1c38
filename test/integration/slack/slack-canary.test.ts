// The canary in Slack on real local servers: started with a signed /gray command, its one message
// (the start operation's) edited by the worker and by the sweeper Lambda's run, and steered with its
// Pause / Resume / Abort / Promote-now buttons. Prometheus is configured at a closed port, so every
// analysis here is inconclusive; the analyses themselves run against a real Prometheus in
// test/integration/canary/.
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { requestOperation } from '../../../functions/release/request.js';
import { CanaryPublisher } from '../../../functions/slack/canary-publisher.js';
import { requestDeps } from '../../../functions/slack/deps.js';
import { runSweep } from '../../../functions/sweeper.js';
import { findFreePort } from '../../support/dynamodb-local.js';
import { CHANNEL, type SlackStack, startSlackStack } from '../../support/slack-stack.js';

let stack: SlackStack;
let port: number;

const weights = () => stack.weights();
const textOf = (reply: { body: unknown }) => (reply.body as { text: string }).text;
const actionIds = (blocks: unknown[] | undefined) =>
  [...JSON.stringify(blocks ?? []).matchAll(/"action_id":"([a-z_0-9]+)"/g)].map((m) => m[1]);
/** The canary's message: the one whose fallback text starts like a canary's. */
const canaryMessage = () =>
  stack.slack.messages(CHANNEL).find((m) => m.text?.includes('canary of address-service'));

beforeEach(async () => {
  port = await findFreePort();
  stack = await startSlackStack(inject('dynamoEndpoint'), {
    canary: {
      steps: [10, 50, 100],
      interval: '5m',
      window: '10s',
      prometheus: { url: `http://127.0.0.1:${port}` },
    },
  });
  await stack.command('deploy address-service green 1.0.1-3b7c9e1');
  await stack.dispatcher.idle();
  stack.slack.reset();
});
afterEach(() => stack.close());

/** Starts the canary from Slack and returns its message's ts. */
async function startCanary(): Promise<string> {
  const reply = await stack.command('canary address-service steps 10,50,100 every 5m');
  expect(textOf(reply)).toBe(
    'on its way: canary steps 10,50,100 every 5m on address-service; the answer follows here',
  );
  await stack.dispatcher.idle();
  expect(stack.answers(stack.lastCommand())).toEqual([
    expect.stringMatching(
      /^queued: canary steps 10,50,100 every 5m on address-service \(operation [0-9a-f-]{36}\); progress follows in this channel$/,
    ),
  ]);
  return canaryMessage()!.ts;
}

describe('canary in Slack', () => {
  it('turns the start message into the canary message, which the sweeper edits after each analysis', async () => {
    const ts = await startCanary();

    expect(weights()).toEqual({ blue: 90, green: 10 });
    const started = stack.slack.message(CHANNEL, ts)!;
    expect(started.text).toBe('🐤 canary of address-service green 10% (step 1 of 3): running');
    expect(actionIds(started.blocks)).toEqual(['gray_canary_pause', 'gray_canary_abort', 'gray_promote']);
    expect(stack.slack.messages(CHANNEL)).toHaveLength(1);

    stack.clock.advance(300_000);
    const report = await runSweep(stack.runtime);

    expect(report.canaries.map((c) => c.record.canary?.status)).toEqual(['running']);
    const edited = stack.slack.message(CHANNEL, ts)!;
    expect(edited.edits).toBe(started.edits + 1);
    expect(JSON.stringify(edited.blocks)).toContain(
      `⏸️ inconclusive — Prometheus could not answer (Prometheus at http://127.0.0.1:${port} is unreachable (ECONNREFUSED)); the step holds and the analysis is retried next interval`,
    );
    expect(stack.slack.messages(CHANNEL)).toHaveLength(1);
    expect(weights()).toEqual({ blue: 90, green: 10 });
  });

  it('pauses and resumes with the buttons, the canary message following', async () => {
    const ts = await startCanary();

    await stack.click('gray_canary_pause', '{"service":"address-service"}', 'U0BOB', ts, '1700000101.000001');
    await stack.dispatcher.idle();

    const paused = stack.slack.message(CHANNEL, ts)!;
    expect(paused.text).toBe('⏸️ canary of address-service green 10% (step 1 of 3): paused');
    expect(actionIds(paused.blocks)).toEqual(['gray_canary_resume', 'gray_canary_abort', 'gray_promote']);
    expect(JSON.stringify(paused.blocks)).toContain('_paused by U0BOB_');
    stack.clock.advance(600_000);
    expect((await runSweep(stack.runtime)).canaries).toEqual([]);

    await stack.click(
      'gray_canary_resume',
      '{"service":"address-service"}',
      'U0BOB',
      ts,
      '1700000102.000002',
    );
    await stack.dispatcher.idle();

    expect(stack.slack.message(CHANNEL, ts)!.text).toBe(
      '🐤 canary of address-service green 10% (step 1 of 3): running',
    );
  });

  it('aborts with the button: all traffic back to blue, the message ends without buttons', async () => {
    const ts = await startCanary();

    await stack.click('gray_canary_abort', '{"service":"address-service"}', 'U0BOB', ts, '1700000103.000003');
    await stack.dispatcher.idle();

    expect(weights()).toEqual({ blue: 100, green: 0 });
    const aborted = stack.slack.message(CHANNEL, ts)!;
    expect(aborted.text).toBe('⛔ canary of address-service green 0% (step 1 of 3): aborted');
    expect(actionIds(aborted.blocks)).toEqual([]);
    const abortMessage = stack.slack.messages(CHANNEL).find((m) => m.ts !== ts)!;
    expect(abortMessage.text).toBe(
      '✅ canary abort on address-service: done: aborted the canary on address-service: rolled back address-service: blue (1.0.0-fe220c2) has 100%, green 0%',
    );
  });

  it('holds Promote now for approval when the policy asks for one', async () => {
    const ts = await startCanary();

    const click = await stack.click(
      'gray_promote',
      '{"service":"address-service"}',
      'U0ALICE',
      ts,
      '1700000104.000004',
    );
    await stack.dispatcher.idle();

    expect(click.statusCode).toBe(200);
    expect(stack.slack.responses('click-1700000104.000004').map((r) => r.text)).toEqual([
      "promote on address-service needs approval (address-service's policy requires approval to promote); asked <@U0APPROVER>, <@U0APPROVER2>",
    ]);
    expect(actionIds(stack.slack.messages(CHANNEL).at(-1)!.blocks)).toEqual(['gray_approve', 'gray_reject']);
    expect(weights()).toEqual({ blue: 90, green: 10 });
  });

  it('ends the canary when someone moves the weight by hand, telling the channel', async () => {
    const ts = await startCanary();
    await stack.command('weight address-service 30');
    await stack.dispatcher.idle();

    const report = await runSweep(stack.runtime);

    const notice =
      "🐤 address-service: the canary of green 1.0.1-3b7c9e1 ended: green's weight was changed to 30% outside the canary (its step was 10%)";
    expect(report.canaries.map((c) => c.text)).toEqual([notice]);
    expect(stack.slack.messages(CHANNEL).at(-1)!.text).toBe(notice);
    const ended = stack.slack.message(CHANNEL, ts)!;
    expect(ended.text).toBe('⚪ canary of address-service green 30% (step 1 of 3): ended');
    expect(actionIds(ended.blocks)).toEqual([]);
    expect(weights()).toEqual({ blue: 70, green: 30 });
  });

  it('posts a promotion approval request a canary tick made, and remembers its message', async () => {
    await startCanary();
    const deps = requestDeps(stack.runtime.worker);
    const asked = await requestOperation(deps, {
      command: { verb: 'promote', service: 'address-service' },
      actor: 'U0ALICE',
      channel: CHANNEL,
    });
    if (asked.kind !== 'approval-requested')
      throw new Error(`expected an approval request, got ${asked.kind}`);
    const record = (await deps.store.get('address-service'))!;
    const publisher = new CanaryPublisher(stack.runtime.web, deps.operations, () => stack.clock.now());

    await publisher.publish({
      service: 'address-service',
      channel: CHANNEL,
      record,
      text: '🙋 address-service: canary all 3 steps passed; waiting for an approver to promote',
      notify: true,
      approval: asked.approval,
    });

    const [notice, request] = stack.slack.messages(CHANNEL).slice(-2);
    expect(notice!.text).toBe(
      '🙋 address-service: canary all 3 steps passed; waiting for an approver to promote',
    );
    expect(actionIds(request!.blocks)).toEqual(['gray_approve', 'gray_reject']);
    expect((await deps.operations.getApproval(asked.approval.approvalId))!.messageTs).toBe(request!.ts);
  });
});
