// The worker's job kinds on real local servers: what the Slack function hands over (command, action, home,
// operation), answered on the loopback response URLs; and what the Slack function says when the hand-off
// itself fails.
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { enqueueOperation } from '../../../functions/release/request.js';
import { requestDeps } from '../../../functions/slack/deps.js';
import type { CommandJob, Dispatcher } from '../../../functions/slack/dispatch.js';
import { handleWorkerJob } from '../../../functions/slack/worker-jobs.js';
import { createSlackHandler } from '../../../functions/slack.js';
import { buttonClickBody, signedEvent, slashCommandBody } from '../../support/slack-requests.js';
import { CHANNEL, SIGNING_SECRET, type SlackStack, startSlackStack } from '../../support/slack-stack.js';

let stack: SlackStack;
const weights = () => stack.weights();
const textOf = (reply: { body: unknown }) => (reply.body as { text?: string }).text ?? '';
const vsPatches = () =>
  stack.kube.requests.filter((r) => r.method === 'PATCH' && r.path.includes('/virtualservices/')).length;

/** Sends `/gray <text>`, lets the worker run, and returns the ack text and the worker's answers. */
async function ask(text: string, user = 'U0ALICE'): Promise<{ ack: string; answers: string[] }> {
  const reply = await stack.command(text, user);
  await stack.dispatcher.idle();
  return { ack: textOf(reply), answers: stack.answers(stack.lastCommand()) };
}

beforeEach(async () => {
  stack = await startSlackStack(inject('dynamoEndpoint'));
});
afterEach(() => stack.close());

describe('command jobs', () => {
  it('/gray status: acks at once, the worker answers with the status read from the cluster', async () => {
    await ask('deploy address-service green 1.0.1-3b7c9e1');

    const { ack, answers } = await ask('status address-service');

    expect(ack).toBe('reading the status of address-service…');
    expect(answers).toEqual(['address-service: ready · blue 100% / green 0%']);
    const mrkdwn = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
    expect(stack.slack.responses(`cmd-${stack.lastCommand()}`)).toEqual([
      {
        response_type: 'ephemeral',
        replace_original: false,
        text: 'address-service: ready · blue 100% / green 0%',
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: 'address-service · ready' } },
          mrkdwn('*Phase:* ready · *Live slot:* blue'),
          mrkdwn(
            '`██████████` 100%  *blue* (live)  `1.0.0-fe220c2`  2/2 ready\n`░░░░░░░░░░`   0%  *green*  `1.0.1-3b7c9e1`  2/2 ready',
          ),
          mrkdwn('*Header route:* none'),
        ],
      },
    ]);
  });

  it('/gray history: acks at once, the worker answers with the audit events', async () => {
    await ask('deploy address-service green 1.0.1-3b7c9e1');

    const { ack, answers } = await ask('history address-service 5');

    expect(ack).toBe('reading the history of address-service…');
    const events = await stack.runtime.worker.release.store.history('address-service', 5);
    expect(events.map((e) => e.summary)).toEqual(['deploy green 1.0.1-3b7c9e1', 'adopt live state']);
    expect(answers).toEqual(['address-service: last 2 events']);
    // One line per event, newest first; only the times come from the stored events.
    const when = (at: number) =>
      `<!date^${Math.floor(at / 1000)}^{date_short_pretty} {time}|${new Date(at).toISOString()}>`;
    const line = (text: string) => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });
    expect(stack.slack.responses(`cmd-${stack.lastCommand()}`)[0]?.blocks).toEqual([
      { type: 'header', text: { type: 'plain_text', text: 'address-service history' } },
      line(
        `✅ ${when(events[0]!.at)} <@U0ALICE> \`deploy green 1.0.1-3b7c9e1\` → blue 1.0.0-fe220c2 100 / green 1.0.1-3b7c9e1 0`,
      ),
      line(`✅ ${when(events[1]!.at)} <@U0ALICE> \`adopt live state\` → blue 1.0.0-fe220c2 100 / green 0`),
    ]);
  });

  it('refuses an unknown service from the worker with the configured services, recording nothing', async () => {
    stack.table.requests.reset();

    const { ack, answers } = await ask('weight nosuch-service 5');

    expect(ack).toBe('on its way: weight 5 on nosuch-service; the answer follows here');
    expect(answers).toEqual(['⚠️ unknown service "nosuch-service"; configured services: address-service']);
    expect(stack.table.requests.total()).toBe(0);
  });

  it('answers busy, naming the holder, while another operation holds the service lock', async () => {
    await ask('deploy address-service green 1.0.1-3b7c9e1');
    await enqueueOperation(
      requestDeps(stack.runtime.worker),
      { verb: 'weight', service: 'address-service', weight: 50 },
      { actor: 'U0BOB', operationId: '00000000-0000-4000-8000-000000000001' },
    );

    const { answers } = await ask('weight address-service 5');

    expect(answers).toEqual([
      expect.stringMatching(
        /^⚠️ address-service is busy: weight 50 by <@U0BOB> since .+; wait for it to finish, then retry$/,
      ),
    ]);
    expect(weights()).toEqual({ blue: 100, green: 0 });
  });

  it('keeps a command refused as busy refused when it is delivered again after the lock is free', async () => {
    await ask('deploy address-service green 1.0.1-3b7c9e1');
    const holder = '00000000-0000-4000-8000-000000000002';
    await enqueueOperation(
      requestDeps(stack.runtime.worker),
      { verb: 'weight', service: 'address-service', weight: 50 },
      { actor: 'U0BOB', operationId: holder },
    );
    const { answers } = await ask('weight address-service 5');
    const job = stack.dispatcher.jobs.at(-1) as CommandJob;
    await stack.runtime.worker.release.store.releaseLock('address-service', holder);
    stack.kube.clearLog();

    await handleWorkerJob(stack.runtime.worker, job);

    expect(answers).toHaveLength(1);
    expect(stack.answers(stack.lastCommand())).toEqual([answers[0], answers[0]]);
    expect(vsPatches()).toBe(0);
    expect(weights()).toEqual({ blue: 100, green: 0 });
    expect(await stack.runtime.worker.release.store.getLock('address-service')).toBeUndefined();
  });

  it('applies a redelivered command job once: `queued`, then `already queued`, one patch', async () => {
    await ask('deploy address-service green 1.0.1-3b7c9e1');
    stack.kube.clearLog();
    await ask('weight address-service 10');
    const job = stack.dispatcher.jobs.at(-1) as CommandJob;

    await handleWorkerJob(stack.runtime.worker, job);

    const [queued, again] = stack.answers(stack.lastCommand());
    const operationId = /\(operation ([0-9a-f-]{36})\)/.exec(queued ?? '')?.[1];
    expect(queued).toMatch(/^queued: weight 10 on address-service \(operation [0-9a-f-]{36}\)/);
    expect(again).toBe(`already queued (operation ${operationId})`);
    expect(vsPatches()).toBe(1);
    expect(weights()).toEqual({ blue: 90, green: 10 });
  });

  it('asks for approval once when a command held for approval is delivered twice', async () => {
    await ask('deploy address-service green 1.0.1-3b7c9e1');
    stack.slack.reset();
    await ask('promote address-service');
    const job = stack.dispatcher.jobs.at(-1) as CommandJob;

    await handleWorkerJob(stack.runtime.worker, job);

    const notice =
      "promote on address-service needs approval (address-service's policy requires approval to promote); asked <@U0APPROVER>, <@U0APPROVER2>";
    expect(stack.answers(stack.lastCommand())).toEqual([notice, notice]);
    expect(stack.slack.calls('chat.postMessage')).toHaveLength(1);
    const history = await stack.runtime.worker.release.store.history('address-service', 10);
    expect(history.filter((e) => e.summary === 'request approval: promote')).toHaveLength(1);
  });

  it('runs an operation queued before the hand-off (an `operation` job), once', async () => {
    await ask('deploy address-service green 1.0.1-3b7c9e1');
    stack.kube.clearLog();
    const operationId = '00000000-0000-4000-8000-000000000002';
    await enqueueOperation(
      requestDeps(stack.runtime.worker),
      { verb: 'weight', service: 'address-service', weight: 15 },
      { actor: 'U0BOB', operationId, channel: CHANNEL },
    );

    await handleWorkerJob(stack.runtime.worker, { kind: 'operation', operationId });
    await handleWorkerJob(stack.runtime.worker, { kind: 'operation', operationId });

    const operation = await stack.runtime.worker.operations.getOperation(operationId, Date.now() / 1000);
    expect([operation?.state, operation?.result]).toEqual([
      'succeeded',
      'address-service: blue 85% / green 15%',
    ]);
    expect(weights()).toEqual({ blue: 85, green: 15 });
    expect(vsPatches()).toBe(1);
  });

  it('runs a weight command without reading back what it just queued: the DynamoDB requests of one job', async () => {
    await ask('deploy address-service green 1.0.1-3b7c9e1');
    stack.table.requests.reset();

    await ask('weight address-service 20');

    expect(weights()).toEqual({ blue: 80, green: 20 });
    // GetItem: the record for the approval policy, the record read while the operation starts (no read
    // of the operation just queued); TransactWriteItems: enqueue, the start (queued → running with the
    // lock renewed, as the use case's lock take), commit (releasing the lock with the record);
    // UpdateItem: the channel message's ts, running → succeeded.
    expect(stack.table.requests.snapshot()).toEqual({
      GetItem: 2,
      TransactWriteItems: 3,
      UpdateItem: 2,
    });
  });

  it("still applies the change when Slack refuses the operation's channel message, and logs why", async () => {
    await ask('deploy address-service green 1.0.1-3b7c9e1');
    const logged: string[] = [];
    stack.runtime.worker.logError = (error, id) => logged.push(`${id}: ${(error as Error).message}`);
    stack.slack.failNext('chat.postMessage', 1, { error: 'channel_not_found' });

    const { answers } = await ask('weight address-service 20');

    const operationId = /\(operation ([0-9a-f-]{36})\)/.exec(answers[0] ?? '')?.[1];
    expect(weights()).toEqual({ blue: 80, green: 20 });
    const [last] = await stack.runtime.worker.release.store.history('address-service', 1);
    expect([last?.summary, last?.result, last?.operationId]).toEqual(['weight 20', 'succeeded', operationId]);
    expect(logged).toEqual([`report:${operationId}: An API error occurred: channel_not_found`]);
  });

  it('still runs the operation when Slack refuses the `queued` answer', async () => {
    await ask('deploy address-service green 1.0.1-3b7c9e1');
    stack.slack.failNext('response_url', 1, { status: 404, error: 'used_url' });

    const { answers } = await ask('weight address-service 20');

    expect(answers).toEqual([]);
    expect(weights()).toEqual({ blue: 80, green: 20 });
  });
});

describe('when the hand-off fails', () => {
  const failing: Dispatcher = {
    dispatch: async () => {
      throw new Error('Lambda is down');
    },
  };

  it('acks a command with an internal error naming the trigger id, and logs it', async () => {
    const logged: [string, string][] = [];
    const handler = createSlackHandler({
      signingSecret: SIGNING_SECRET,
      dispatcher: failing,
      logError: (error, id) => logged.push([(error as Error).message, id]),
    });
    const body = slashCommandBody('weight address-service 5', {
      user: 'U0ALICE',
      channel: CHANNEL,
      triggerId: 'trigger-down',
      responseUrl: stack.slack.responseUrl('down'),
    });

    const response = await handler(signedEvent(body, { secret: SIGNING_SECRET }), {} as never);

    expect(JSON.parse(response.body)).toEqual({
      response_type: 'ephemeral',
      text: '⚠️ gray hit an internal error (correlation id `trigger-down`); the team can find it in the logs',
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: '⚠️ gray hit an internal error (correlation id `trigger-down`); the team can find it in the logs',
          },
        },
      ],
    });
    expect(logged).toEqual([['Lambda is down', 'trigger-down']]);
  });

  it('answers a click on its response_url with the internal error', async () => {
    const handler = createSlackHandler({
      signingSecret: SIGNING_SECRET,
      dispatcher: failing,
      logError: () => undefined,
    });
    const body = buttonClickBody({
      actionId: 'gray_promote',
      value: '{"service":"address-service"}',
      user: 'U0ALICE',
      channel: CHANNEL,
      messageTs: '1700000000.000001',
      actionTs: '1700000000.000002',
      responseUrl: stack.slack.responseUrl('click-down'),
    });

    const response = await handler(signedEvent(body, { secret: SIGNING_SECRET }), {} as never);

    expect(response.statusCode).toBe(200);
    expect(stack.answers('click-down')).toEqual([
      '⚠️ gray hit an internal error (correlation id `1700000000.000002:1700000000.000001:gray_promote`); the team can find it in the logs',
    ]);
  });
});
