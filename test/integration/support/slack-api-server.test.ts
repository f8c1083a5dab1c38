import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SlackApiServer, startSlackApiServer } from '../../support/slack-api-server.js';

const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*address-service* green at 25%' } }];

describe('loopback Slack Web API', () => {
  let slack: SlackApiServer;
  let client: WebClient;

  beforeAll(async () => {
    slack = await startSlackApiServer({ token: 'xoxb-support-test' });
  });

  afterAll(async () => {
    await slack.close();
  });

  beforeEach(() => {
    slack.reset();
    client = webClient(slack.token);
  });

  function webClient(token: string, retries = 0): WebClient {
    return new WebClient(token, {
      slackApiUrl: slack.url,
      logLevel: LogLevel.ERROR,
      rejectRateLimitedCalls: retries === 0,
      retryConfig: { retries, factor: 1, minTimeout: 10, maxTimeout: 10 },
    });
  }

  it('stores a posted message and replaces its text and blocks on chat.update', async () => {
    // Prepare
    const posted = await client.chat.postMessage({ channel: 'C0RELEASES', text: 'starting', blocks });

    // Act
    const updated = await client.chat.update({ channel: 'C0RELEASES', ts: posted.ts!, text: 'promoted' });
    const second = await client.chat.postMessage({ channel: 'C0RELEASES', text: 'next' });

    // Assess
    expect(posted).toMatchObject({ ok: true, channel: 'C0RELEASES', ts: '1700000000.000100' });
    expect(posted.message).toMatchObject({ type: 'message', text: 'starting', bot_id: 'B0GRAYBOT', blocks });
    expect(updated).toMatchObject({
      ok: true,
      channel: 'C0RELEASES',
      ts: '1700000000.000100',
      text: 'promoted',
    });
    expect(second.ts).toBe('1700000000.000200');
    expect(slack.messages('C0RELEASES')).toEqual([
      {
        channel: 'C0RELEASES',
        ts: '1700000000.000100',
        text: 'promoted',
        blocks,
        threadTs: undefined,
        edits: 1,
      },
      {
        channel: 'C0RELEASES',
        ts: '1700000000.000200',
        text: 'next',
        blocks: undefined,
        threadTs: undefined,
        edits: 0,
      },
    ]);
    expect(slack.calls('chat.postMessage')[0]).toMatchObject({
      contentType: 'application/x-www-form-urlencoded',
      token: 'xoxb-support-test',
      params: { channel: 'C0RELEASES', text: 'starting', blocks },
      status: 200,
    });
  });

  it('answers message_not_found to chat.update of an unknown ts', async () => {
    // Act
    const attempt = client.chat.update({ channel: 'C0RELEASES', ts: '1600000000.000100', text: 'x' });

    // Assess
    await expect(attempt).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { ok: false, error: 'message_not_found' },
    });
  });

  it('records chat.postEphemeral with its user and answers a message_ts', async () => {
    // Act
    const result = await client.chat.postEphemeral({
      channel: 'C0RELEASES',
      user: 'U0ALICE',
      text: 'denied',
    });

    // Assess
    expect(result).toMatchObject({ ok: true, message_ts: '1700000000.000100' });
    expect(slack.calls('chat.postEphemeral').map((call) => call.params)).toEqual([
      { channel: 'C0RELEASES', user: 'U0ALICE', text: 'denied' },
    ]);
    expect(slack.messages()).toEqual([]);
  });

  it('answers auth.test with the bot identity', async () => {
    // Act
    const result = await client.auth.test();

    // Assess
    expect(result).toMatchObject({
      ok: true,
      url: 'https://gray-test.slack.com/',
      team: 'Gray Test',
      user: 'gray',
      team_id: 'T0GRAYTEST',
      user_id: 'U0GRAYBOT',
      bot_id: 'B0GRAYBOT',
    });
  });

  it('publishes a Home tab with views.publish', async () => {
    // Act
    const result = await client.views.publish({ user_id: 'U0ALICE', view: { type: 'home', blocks } });

    // Assess
    expect(result.view).toMatchObject({ id: 'V000000001', type: 'home', blocks, team_id: 'T0GRAYTEST' });
    expect(slack.homeView('U0ALICE')).toMatchObject({ type: 'home', blocks });
  });

  it('refuses a wrong token with invalid_auth and a missing one with not_authed', async () => {
    // Act
    const wrong = await webClient('xoxb-wrong')
      .chat.postMessage({ channel: 'C0RELEASES', text: 'x' })
      .catch((error: unknown) => error);
    const missing = await fetch(`${slack.url}auth.test`, { method: 'POST' });

    // Assess
    expect(wrong).toMatchObject({
      code: ErrorCode.PlatformError,
      data: { ok: false, error: 'invalid_auth' },
    });
    expect(await missing.json()).toEqual({ ok: false, error: 'not_authed' });
    expect(slack.messages()).toEqual([]);
  });

  it('rate-limits the next call with 429 and Retry-After, seen by a client that rejects rate limits', async () => {
    // Prepare
    slack.failNext('chat.postMessage', 1, { error: 'ratelimited', retryAfterSeconds: 1 });

    // Act
    const attempt = client.chat.postMessage({ channel: 'C0RELEASES', text: 'x' });

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 1 });
    expect(slack.calls('chat.postMessage').map((call) => [call.status, call.error])).toEqual([
      [429, 'ratelimited'],
    ]);
  });

  it('lets a retrying client succeed after Retry-After', async () => {
    // Prepare
    slack.failNext('chat.postMessage', 1, { error: 'ratelimited', retryAfterSeconds: 1 });
    const started = performance.now();

    // Act
    const result = await webClient(slack.token, 2).chat.postMessage({ channel: 'C0RELEASES', text: 'x' });

    // Assess
    expect(result.ok).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(slack.calls('chat.postMessage').map((call) => call.status)).toEqual([429, 200]);
    expect(slack.messages('C0RELEASES').map((message) => message.text)).toEqual(['x']);
  });

  it('fails a call with HTTP 500 when told to', async () => {
    // Prepare
    slack.failNext('chat.update', 1, { status: 500 });

    // Act
    const attempt = client.chat.update({ channel: 'C0RELEASES', ts: '1700000000.000100', text: 'x' });

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: ErrorCode.HTTPError, statusCode: 500 });
    expect(slack.calls('chat.update').map((call) => [call.status, call.error])).toEqual([
      [500, 'internal_error'],
    ]);
  });

  it('answers unknown_method to a method it does not implement', async () => {
    // Act
    const attempt = client.apiCall('chat.scheduleMessage', { channel: 'C0RELEASES', text: 'x', post_at: 1 });

    // Assess
    await expect(attempt).rejects.toMatchObject({ data: { ok: false, error: 'unknown_method' } });
  });

  it('accepts a JSON body the way Slack does', async () => {
    // Act
    const response = await fetch(`${slack.url}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${slack.token}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: 'C0RELEASES', text: 'json', blocks, thread_ts: '1700000000.000001' }),
    });

    // Assess
    expect(await response.json()).toMatchObject({ ok: true, ts: '1700000000.000100' });
    expect(slack.message('C0RELEASES', '1700000000.000100')).toEqual({
      channel: 'C0RELEASES',
      ts: '1700000000.000100',
      text: 'json',
      blocks,
      threadTs: '1700000000.000001',
      edits: 0,
    });
  });

  it('records JSON POSTs to a response_url, up to five uses', async () => {
    // Prepare
    const url = slack.responseUrl('T0GRAYTEST/1234/abcd');
    const post = (text: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, text }),
      });

    // Act
    const statuses: number[] = [];
    for (let use = 1; use <= 6; use += 1) statuses.push((await post(`use ${use}`)).status);

    // Assess
    expect(url).toBe(`${slack.origin}/response/T0GRAYTEST%2F1234%2Fabcd`);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 404]);
    expect(slack.responses('T0GRAYTEST/1234/abcd')[0]).toEqual({
      response_type: 'ephemeral',
      replace_original: false,
      text: 'use 1',
    });
    expect(slack.responses('T0GRAYTEST/1234/abcd')).toHaveLength(5);
    expect(slack.calls('response_url').at(-1)?.error).toBe('used_url');
  });
});
