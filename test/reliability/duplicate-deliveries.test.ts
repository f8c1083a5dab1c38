// Figure `duplicates`: 1,000 duplicated deliveries through functions/slack.ts and the worker — Slack's
// retries of an event (X-Slack-Retry-Num), double clicks of the same button payload, and redelivered
// worker invokes of an operation (while it runs and after it finished, via handleWorkerJob) — must apply
// nothing a second time: one Home tab publish per event, one queued operation per click, and per
// operation one audit event, one VirtualService patch and one channel message.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { WorkerJob } from '../../functions/slack/dispatch.js';
import { handleWorkerJob } from '../../functions/slack/worker-jobs.js';
import { appHomeOpenedBody, signedEvent } from '../support/slack-requests.js';
import { expectFigure, FigureTally } from './support/figures.js';
import {
  deployFirstReleases,
  type HandlerReply,
  inBatches,
  type ReliabilityStack,
  SIGNING_SECRET,
  serviceNames,
  startReliabilityStack,
} from './support/reliability-stack.js';

const SERVICES = serviceNames(5);
/** Commands (and clicks) per service; each command's job is redelivered to the worker REDELIVERIES times. */
const OPERATIONS_PER_SERVICE = 5;
const REDELIVERIES = 12;
/** Events, each retried three times (Slack's maximum). */
const EVENTS = 200;
let stack: ReliabilityStack;

beforeAll(async () => {
  stack = await startReliabilityStack(inject('dynamoEndpoint'), { services: SERVICES });
  await deployFirstReleases(stack.release, SERVICES);
});
afterAll(() => stack.close());

/** One Events API delivery of `app_home_opened` for `user`; `retry` sets X-Slack-Retry-Num. */
function homeOpened(eventId: string, user: string, retry?: number) {
  const body = appHomeOpenedBody(eventId, user);
  return stack.invoke(
    signedEvent(body, {
      secret: SIGNING_SECRET,
      contentType: 'application/json',
      ...(retry
        ? { extraHeaders: { 'x-slack-retry-num': String(retry), 'x-slack-retry-reason': 'http_timeout' } }
        : {}),
    }),
  );
}

const status = (replies: HandlerReply[]) => replies.map((r) => r.statusCode).join(',');
const textOf = (reply: HandlerReply) =>
  typeof reply.body === 'string' ? reply.body : (reply.body.text ?? '');
const nowSeconds = () => Math.floor(Date.now() / 1000);
const repliesTo = (actionTs: string) => stack.slack.responses(`click-${actionTs}`).map((r) => String(r.text));

/** Events: original and retry 1 at once (Slack retries after 3 s without an answer), then retries 2 and 3. */
async function eventRetries(tally: FigureTally) {
  const deliverEvent = async (i: number) => {
    const user = `U0HOME${i}`;
    const eventId = `Ev0DUP${i}`;
    const replies = await Promise.all([homeOpened(eventId, user), homeOpened(eventId, user, 1)]);
    replies.push(await homeOpened(eventId, user, 2), await homeOpened(eventId, user, 3));
    await stack.dispatcher.finished(`home:${eventId}`);
    const publishes = stack.slack.calls('views.publish').filter((c) => c.params.user_id === user).length;
    const problems = [
      ...(status(replies) === '200,200,200,200' ? [] : [`answered ${status(replies)}`]),
      ...(publishes === 1 ? [] : [`Home tab published ${publishes} times`]),
    ];
    for (const retry of [1, 2, 3]) tally.check(`event ${eventId} retry ${retry}`, problems);
  };
  await inBatches(
    Array.from({ length: EVENTS }, (_, i) => () => deliverEvent(i)),
    4,
  );
}

/** Calls counted per service: VirtualService patches and channel messages posted. */
function counts(service: string) {
  return {
    patches: stack.kube.requests.filter(
      (r) => r.method === 'PATCH' && r.path.endsWith(`/virtualservices/${service}-deployment`),
    ).length,
    posts: stack.slack
      .calls('chat.postMessage')
      .filter((c) => String(c.params.text).includes(` on ${service}:`)).length,
  };
}

/**
 * Worker redeliveries: `/gray weight` hands a command job to the worker; the same job is delivered twice
 * more while the first delivery runs (racing it), then ten more times after it finished, alternately
 * the command job and an `operation` job for the operation it queued.
 */
async function redeliveriesOn(service: string, weight: number, id: string, tally: FigureTally) {
  const before = counts(service);
  const jobsBefore = stack.dispatcher.jobs.length;
  const reply = await stack.command(`weight ${service} ${weight}`, id);
  const job = stack.dispatcher.jobs
    .slice(jobsBefore)
    .find(
      (j): j is Extract<WorkerJob, { kind: 'command' }> =>
        j.kind === 'command' && j.triggerId === `trigger-${id}`,
    );
  const redeliver = (again: WorkerJob | undefined) =>
    again ? handleWorkerJob(stack.runtime.worker, again) : Promise.resolve();
  await Promise.all([redeliver(job), redeliver(job), stack.commandDone(id)]);
  const operationId =
    stack
      .answers(id)
      .map((text) => /^queued: .*\(operation ([0-9a-f-]{36})\)/.exec(text)?.[1])
      .find((found) => found !== undefined) ?? '';
  for (let late = 2; late < REDELIVERIES; late += 2)
    await Promise.all([redeliver(job), redeliver({ kind: 'operation', operationId })]);
  const after = counts(service);
  const audit = (await stack.release.store.history(service, 50)).filter((e) => e.operationId === operationId);
  const operation = await stack.runtime.worker.operations.getOperation(operationId, nowSeconds());
  const answers = stack.answers(id);
  const queued = answers.filter((text) => text.startsWith('queued: '));
  const again = answers.filter((text) => text === `already queued (operation ${operationId})`);
  const commandDeliveries = 1 + 2 + (REDELIVERIES - 2) / 2;
  const problems = [
    ...(job && textOf(reply).startsWith('on its way: ') ? [] : [`not handed over: ${textOf(reply)}`]),
    ...(operationId ? [] : [`not queued: ${answers.join(' | ')}`]),
    ...(queued.length === 1 && again.length === commandDeliveries - 1
      ? []
      : [`answers: ${answers.join(' | ')}`]),
    ...(audit.length === 1 && audit[0]?.result === 'succeeded'
      ? []
      : [`${audit.length} audit events (${audit.map((e) => e.result)})`]),
    ...(after.patches - before.patches === 1
      ? []
      : [`${after.patches - before.patches} VirtualService patches`]),
    ...(after.posts - before.posts === 1 ? [] : [`${after.posts - before.posts} channel messages`]),
    ...(operation?.state === 'succeeded' ? [] : [`operation ${operation?.state}`]),
  ];
  for (let d = 1; d <= REDELIVERIES; d++)
    tally.check(`${service} /gray weight ${weight} (${id}) worker redelivery ${d}`, problems);
}

/** Double clicks: one weight-preset click delivered twice at once, then three more times once its operation ended. */
async function doubleClicksOn(
  service: string,
  weight: number,
  actionTs: string,
  messageTs: string,
  tally: FigureTally,
) {
  const click = {
    actionId: `gray_weight_${weight}`,
    value: JSON.stringify({ service, weight }),
    user: 'U0ALICE',
    messageTs,
    actionTs,
  };
  const before = counts(service);
  const startedAt = stack.clock.now();
  const first = await Promise.all([stack.click(click), stack.click(click)]);
  await stack.dispatcher.finished(`action:${actionTs}`);
  const late = await Promise.all([stack.click(click), stack.click(click), stack.click(click)]);
  await stack.dispatcher.finished(`action:${actionTs}`);
  const after = counts(service);
  const replies = repliesTo(actionTs);
  // The service's own loop is sequential, so every change on it since the first delivery is this click's.
  const audit = (await stack.release.store.history(service, 10)).filter((e) => e.at >= startedAt);
  const answered = status([...first, ...late]);
  const problems = [
    ...(answered === '200,200,200,200,200' ? [] : [`answered ${answered}`]),
    ...(replies.length === 1 && replies[0]?.startsWith('queued: weight')
      ? []
      : [`replies: ${replies.join(' | ')}`]),
    ...(after.patches - before.patches === 1
      ? []
      : [`${after.patches - before.patches} VirtualService patches`]),
    ...(audit.length === 1
      ? []
      : [`${audit.length} audit events: ${audit.map((e) => e.summary).join(', ')}`]),
  ];
  for (let d = 2; d <= 5; d++)
    tally.check(`${service} click gray_weight_${weight} at ${actionTs} delivery ${d}`, problems);
}

/** One service's deliveries, one operation at a time (the service lock would refuse overlapping ones). */
async function deliveriesOn(service: string, index: number, tally: FigureTally) {
  for (let i = 0; i < OPERATIONS_PER_SERVICE; i++) {
    await redeliveriesOn(service, i % 2 === 0 ? 10 : 20, `${service}-${i}`, tally);
    const actionTs = `1700000${String(index).padStart(3, '0')}.${String(i).padStart(6, '0')}`;
    await doubleClicksOn(
      service,
      i % 2 === 0 ? 15 : 5,
      actionTs,
      `1700000000.${String(index).padStart(6, '0')}`,
      tally,
    );
  }
}

describe('duplicated deliveries', () => {
  it('figure: duplicates — Slack retries, double clicks and worker redeliveries apply once', async (context) => {
    const tally = new FigureTally('duplicates');
    await Promise.all([
      eventRetries(tally),
      ...SERVICES.map((service, i) => deliveriesOn(service, i, tally)),
    ]);
    await stack.dispatcher.idle();
    tally.note(
      `${EVENTS} events ×3 retries, ${SERVICES.length * OPERATIONS_PER_SERVICE} commands ×${REDELIVERIES} worker redeliveries, ${SERVICES.length * OPERATIONS_PER_SERVICE} clicks ×4 repeats; views.publish ${stack.slack.calls('views.publish').length}, jobs handed over ${stack.dispatcher.jobs.length}`,
    );
    expectFigure(context, tally, 1000);
  });
});

describe('bugs the figure found (regression tests)', () => {
  // Was a bug (high, fixed in d6b1cc0): every next-step button (Promote, Rollback, weight presets, Cancel
  // teardown, Extend) was refused as a duplicate of itself. The listener claimed
  // `action:<action_ts>:<message_ts>:<action_id>` with claimOnce, then handed the same key to enqueue,
  // whose transaction requires it unclaimed: the click was answered "already queued (operation <new id>)"
  // and nothing was queued. Input: one click of gray_weight_10 with value {"service":"svc-01","weight":10}.
  it('queues the operation of a next-step button click', async () => {
    const jobs = stack.dispatcher.jobs.length;
    const click = {
      actionId: 'gray_weight_10',
      value: JSON.stringify({ service: 'svc-01', weight: 10 }),
      user: 'U0ALICE',
      messageTs: '1700000999.000001',
      actionTs: '1700000999.000002',
    };

    await stack.click(click);
    await stack.dispatcher.idle();

    expect(stack.slack.responses(`click-${click.actionTs}`).map((r) => String(r.text))).toEqual([
      expect.stringMatching(/^queued: weight 10 on svc-01 \(operation [0-9a-f-]{36}\)/),
    ]);
    expect(stack.dispatcher.jobs.length).toBe(jobs + 1);
  });
});
