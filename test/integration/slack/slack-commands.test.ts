import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { renderHelp } from '../../../functions/slack/views/help.js';
import { CHANNEL, type SlackStack, startSlackStack } from '../../support/slack-stack.js';

let stack: SlackStack;
const weights = () => stack.weights();
const textOf = (reply: { body: unknown }) => (reply.body as { text?: string }).text ?? '';

async function deployGreen() {
  await stack.command('deploy address-service green 1.0.1-3b7c9e1');
  await stack.dispatcher.idle();
}

beforeEach(async () => {
  stack = await startSlackStack(inject('dynamoEndpoint'));
});
afterEach(() => stack.close());

describe('/gray through functions/slack.ts', () => {
  it('acks `weight address-service 25` with one hand-off and no I/O; the worker answers queued, leaves 75/25 and one edited message', async () => {
    await deployGreen();
    stack.slack.reset();
    stack.kube.clearLog();
    stack.table.requests.reset();
    stack.dispatcher.hold();

    const reply = await stack.command('weight address-service 25');

    expect(reply.statusCode).toBe(200);
    expect(reply.body).toEqual({
      response_type: 'ephemeral',
      text: 'on its way: weight 25 on address-service; the answer follows here',
    });
    const n = stack.lastCommand();
    expect(stack.dispatcher.jobs.at(-1)).toEqual({
      kind: 'command',
      command: { verb: 'weight', service: 'address-service', weight: 25 },
      user: 'U0ALICE',
      channel: CHANNEL,
      triggerId: `trigger-${n}`,
      responseUrl: stack.slack.responseUrl(`cmd-${n}`),
    });
    expect(stack.kube.requests).toEqual([]);
    expect(stack.table.requests.total()).toBe(0);
    expect(stack.slack.calls()).toEqual([]);

    stack.dispatcher.release();
    await stack.dispatcher.idle();

    expect(stack.answers(n)).toEqual([
      expect.stringMatching(
        /^queued: weight 25 on address-service \(operation [0-9a-f-]{36}\); progress follows in this channel$/,
      ),
    ]);
    expect(stack.slack.responses(`cmd-${n}`)[0]).toMatchObject({
      response_type: 'ephemeral',
      replace_original: false,
    });
    expect(weights()).toEqual({ blue: 75, green: 25 });
    const messages = stack.slack.messages(CHANNEL);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.edits).toBe(1);
    expect(messages[0]!.text).toBe(
      '✅ weight 25 on address-service: done: address-service: blue 75% / green 25%',
    );
  });

  // Slack wants the ack within 3 s; its latency is measured in bench/ack-latency.ts. What a test can hold
  // is why it is fast: the ack makes no Kubernetes request, however slow the cluster is.
  it('acks without waiting on the cluster while it takes 5 s per request', async () => {
    await deployGreen();
    stack.kube.injectFault({ times: 1000, fault: { delayMs: 5000 } });
    stack.dispatcher.hold();

    stack.kube.clearLog();

    const reply = await stack.command('weight address-service 5');

    expect(reply.statusCode).toBe(200);
    expect(textOf(reply)).toBe('on its way: weight 5 on address-service; the answer follows here');
    expect(stack.kube.requests).toEqual([]);
    stack.kube.clearFaults();
    stack.dispatcher.release();
  });

  it.each([
    ['a wrong signature', { secret: 'not-the-secret' }, 0],
    ['a 301 s old timestamp', {}, -301],
    ['a timestamp 301 s in the future', {}, 301],
  ])('answers 401 to %s and changes nothing', async (_name, variant, skew) => {
    const { signedEvent, slashCommandBody } = await import('../../support/slack-requests.js');
    stack.table.requests.reset();
    const body = slashCommandBody('weight address-service 25', {
      user: 'U0ALICE',
      channel: CHANNEL,
      triggerId: 't-forged',
      responseUrl: stack.slack.responseUrl('forged'),
    });

    const timestamp = Math.floor(Date.now() / 1000) + skew;
    const event = signedEvent(body, { secret: 'gray-test-signing-secret', timestamp, ...variant });
    const response = await stack.handler(event, {} as never);

    expect(response.statusCode).toBe(401);
    expect(stack.table.requests.total()).toBe(0);
    expect(stack.dispatcher.jobs).toEqual([]);
  });

  it('accepts a base64-encoded body and decodes `+` and %3D as the form standard says', async () => {
    await deployGreen();

    const reply = await stack.command('route address-service header x-latest-version=true', 'U0ALICE', {
      base64: true,
    });
    await stack.dispatcher.idle();

    expect(textOf(reply)).toBe(
      'on its way: route header x-latest-version=true on address-service; the answer follows here',
    );
    expect(stack.answers(stack.lastCommand())).toEqual([
      expect.stringMatching(
        /^queued: route header x-latest-version=true on address-service \(operation [0-9a-f-]{36}\); progress follows in this channel$/,
      ),
    ]);
    expect(
      stack.kube.getObject('virtualservices', 'happyride', 'address-service-deployment')?.spec,
    ).toMatchObject({
      http: [
        { name: 'address-service-latest', match: [{ headers: { 'x-latest-version': { exact: 'true' } } }] },
        { name: 'address-service-http' },
      ],
    });
  });

  it('refuses bad input with a usage hint and records nothing', async () => {
    stack.table.requests.reset();

    const reply = await stack.command('weight address-service 101');

    expect(reply.statusCode).toBe(200);
    expect(reply.body).toMatchObject({
      response_type: 'ephemeral',
      text: '⚠️ weight "101" must be a whole percent from 0 to 100, like /gray weight address-service 25',
    });
    expect(stack.table.requests.total()).toBe(0);
    expect(stack.dispatcher.jobs).toEqual([]);
  });

  it('answers help in the ack, handing nothing over', async () => {
    const reply = await stack.command('help');

    expect(reply.body).toEqual({ response_type: 'ephemeral', ...renderHelp() });
    expect(stack.dispatcher.jobs).toEqual([]);
  });

  it('refuses an unauthorised user by the rule from the worker, recording only the refusal', async () => {
    await stack.close();
    stack = await startSlackStack(inject('dynamoEndpoint'), { allowedUsers: ['U0ALICE'] });
    stack.table.requests.reset();

    const reply = await stack.command('weight address-service 5', 'U0MALLORY');
    await stack.dispatcher.idle();

    expect(textOf(reply)).toBe('on its way: weight 5 on address-service; the answer follows here');
    expect(stack.answers(stack.lastCommand())).toEqual([
      "⚠️ <@U0MALLORY> is not in address-service's allowedUsers; ask one of <@U0APPROVER>, <@U0APPROVER2> to add you in gray.config.yaml",
    ]);
    expect(stack.dispatcher.jobs.map((job) => job.kind)).toEqual(['command']);
    expect(stack.table.requests.snapshot()).toEqual({ GetItem: 1, PutItem: 1 });
    const [event] = await stack.runtime.worker.release.store.history('address-service', 5);
    expect(event).toMatchObject({ actor: 'U0MALLORY', action: 'weight', result: 'refused' });
  });
});

describe('Events API through functions/slack.ts', () => {
  it('answers url_verification with the challenge', async () => {
    const { signedEvent } = await import('../../support/slack-requests.js');
    const body = JSON.stringify({ token: 'x', challenge: 'gray-challenge-123', type: 'url_verification' });

    const response = await stack.handler(
      signedEvent(body, { secret: 'gray-test-signing-secret', contentType: 'application/json' }),
      {} as never,
    );

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ challenge: 'gray-challenge-123' });
  });

  it('publishes App Home once per event id, however often Slack retries it', async () => {
    const { appHomeOpenedBody, signedEvent } = await import('../../support/slack-requests.js');
    await deployGreen();
    const send = (retry?: string) =>
      stack.handler(
        signedEvent(appHomeOpenedBody('Ev0HOME1', 'U0ALICE'), {
          secret: 'gray-test-signing-secret',
          contentType: 'application/json',
          ...(retry
            ? { extraHeaders: { 'x-slack-retry-num': retry, 'x-slack-retry-reason': 'http_timeout' } }
            : {}),
        }),
        {} as never,
      );

    const responses = [await send(), await send('1'), await send('2')];
    await stack.dispatcher.idle();

    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(stack.dispatcher.jobs.slice(-3)).toEqual(
      Array.from({ length: 3 }, () => ({ kind: 'home', eventId: 'Ev0HOME1', user: 'U0ALICE' })),
    );
    expect(stack.slack.calls('views.publish')).toHaveLength(1);
    expect(JSON.stringify(stack.slack.homeView('U0ALICE'))).toContain('address-service');
    expect(JSON.stringify(stack.slack.homeView('U0ALICE'))).toContain('1.0.1-3b7c9e1');
  });
});

describe('next-step buttons', () => {
  it('a weight preset click on the deploy message queues and applies that weight', async () => {
    await deployGreen();
    const message = stack.slack.messages(CHANNEL).at(-1)!;
    const buttons = (message.blocks as { elements?: { action_id?: string; value?: string }[] }[]).flatMap(
      (block) => block.elements ?? [],
    );
    const preset = buttons.find((button) => button.action_id === 'gray_weight_5');
    expect(preset?.value).toBe(JSON.stringify({ service: 'address-service', weight: 5 }));

    await stack.click('gray_weight_5', preset!.value!, 'U0ALICE', message.ts, '1700000100.000001');
    await stack.dispatcher.idle();

    expect(weights()).toEqual({ blue: 95, green: 5 });
    const told = stack.slack.responses('click-1700000100.000001').map((r) => JSON.stringify(r));
    expect(told[0]).toContain('queued: weight 5 on address-service');
  });
});
