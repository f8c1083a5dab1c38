// Figure 1 (ack latency) and 3c (DynamoDB calls on the ack path): HMAC-signed `/gray weight
// address-service 5` through functions/slack.ts (Bolt's AwsLambdaReceiver behind middy, DynamoDB
// Local, dispatch held at the boundary) against a bare Bolt app whose `/gray` listener only acks.
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { App, AwsLambdaReceiver, LogLevel } from '@slack/bolt';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { deploy } from '../functions/release/deploy.js';
import { signedEvent, slashCommandBody } from '../test/support/slack-requests.js';
import { CHANNEL, SIGNING_SECRET, startSlackStack } from '../test/support/slack-stack.js';
import { describeCounts, readsAndWrites } from './support/dynamodb-calls.js';
import type { BenchSizes, FigureResult } from './support/figure.js';
import { interleave, ratio, summarize } from './support/stats.js';

const SERVICE = 'address-service';
const COMMAND = `weight ${SERVICE} 5`;

type BoltLambda = (
  event: APIGatewayProxyEventV2,
  context: never,
  callback: never,
) => Promise<{ statusCode: number; body: string }>;

/** A bare Bolt app on AwsLambdaReceiver whose `/gray` listener only acks: the floor of figure 1. */
async function startBareBolt(token: string, slackApiUrl: string): Promise<BoltLambda> {
  const receiver = new AwsLambdaReceiver({ signingSecret: SIGNING_SECRET, logLevel: LogLevel.ERROR });
  const app = new App({ token, receiver, logLevel: LogLevel.ERROR, clientOptions: { slackApiUrl } });
  app.command('/gray', async ({ ack }) => {
    await ack();
  });
  return (await receiver.start()) as unknown as BoltLambda;
}

/**
 * Context, not judged: the bare Bolt app plus the two DynamoDB requests an ack path that records the
 * command needs (GetItem of the record; one TransactWriteItems of operation, lock and delivery key).
 */
async function startBoltWithState(
  token: string,
  slackApiUrl: string,
  doc: DynamoDBDocumentClient,
  TableName: string,
): Promise<BoltLambda> {
  const receiver = new AwsLambdaReceiver({ signingSecret: SIGNING_SECRET, logLevel: LogLevel.ERROR });
  const app = new App({ token, receiver, logLevel: LogLevel.ERROR, clientOptions: { slackApiUrl } });
  app.command('/gray', async ({ ack, command }) => {
    const now = Math.floor(Date.now() / 1000);
    await doc.send(
      new GetCommand({ TableName, Key: { pk: `SERVICE#${SERVICE}`, sk: 'RELEASE' }, ConsistentRead: true }),
    );
    const id = command.trigger_id;
    const absent = {
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': 'pk' },
    };
    await doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName,
              Item: { pk: `OPERATION#${id}`, sk: 'OPERATION', text: command.text },
              ...absent,
            },
          },
          { Put: { TableName, Item: { ...FLOOR_LOCK, operationId: id, expiresAt: now + 120 }, ...absent } },
          { Put: { TableName, Item: { pk: `ONCE#${id}`, sk: 'ONCE', expiresAt: now + 86400 }, ...absent } },
        ],
      }),
    );
    await ack({ response_type: 'ephemeral', text: `queued: ${command.text} (operation ${id})` });
  });
  return (await receiver.start()) as unknown as BoltLambda;
}

const FLOOR_LOCK = { pk: 'SERVICE#bench-floor', sk: 'LOCK' };

/**
 * Measures figure 1 and 3c on the DynamoDB Local at `dynamoEndpoint`: ≥ `sizes.ackIterations`
 * requests per side, interleaved, after `sizes.ackWarmup` each. Throws if any gray request was not
 * queued (a busy or failed ack would measure the wrong path) or the ack path's calls vary.
 */
export async function measureAckLatency(dynamoEndpoint: string, sizes: BenchSizes): Promise<FigureResult[]> {
  const stack = await startSlackStack(dynamoEndpoint);
  try {
    // A realistic steady state: a recorded release with green deployed at weight 0.
    await deploy(stack.runtime.worker.release, {
      service: SERVICE,
      actor: 'U0ALICE',
      version: '1.0.1-3b7c9e1',
    });
    // Jobs are recorded and dropped: the worker never runs, so only the ack path is timed.
    stack.dispatcher.hold();
    const bare = await startBareBolt(stack.slack.token, stack.slack.url);
    const event = (side: string, i: number) =>
      signedEvent(
        slashCommandBody(COMMAND, {
          user: 'U0ALICE',
          channel: CHANNEL,
          triggerId: `bench-${side}-${i}`,
          responseUrl: stack.slack.responseUrl(`bench-${side}-${i}`),
        }),
        { secret: SIGNING_SECRET },
      );
    const ackCalls: Record<string, number>[] = [];
    const lockKey = { pk: `SERVICE#${SERVICE}`, sk: 'LOCK' };
    const withState = await startBoltWithState(
      stack.slack.token,
      stack.slack.url,
      stack.table.doc,
      stack.table.tableName,
    );
    const deleteLock = (Key: Record<string, string>) =>
      stack.table.doc.send(new DeleteCommand({ TableName: stack.table.tableName, Key }));
    const events: Record<string, APIGatewayProxyEventV2> = {};
    const times = await interleave(
      {
        gray: {
          prepare: async (i) => {
            // Each queued weight takes the service lock; the worker would release it. Here the lock
            // item is deleted directly, untimed, so every request meets a free service (steady state).
            await deleteLock(lockKey);
            events.gray = event('gray', i);
            stack.table.requests.reset();
          },
          run: async () => {
            const response = await stack.handler(events.gray!, {} as never);
            const text = (JSON.parse(response.body) as { text?: string }).text ?? '';
            if (response.statusCode !== 200 || !text.startsWith('queued: weight 5')) {
              throw new Error(`bench: gray did not queue the weight (${response.statusCode}: ${text})`);
            }
          },
          finish: async () => {
            ackCalls.push(stack.table.requests.snapshot());
          },
        },
        bare: {
          prepare: async (i) => {
            events.bare = event('bare', i);
          },
          run: async () => {
            const response = await bare(events.bare!, {} as never, (() => undefined) as never);
            if (response.statusCode !== 200)
              throw new Error(`bench: bare Bolt answered ${response.statusCode}`);
          },
        },
        withState: {
          prepare: async (i) => {
            await deleteLock(FLOOR_LOCK);
            events.withState = event('state', i);
          },
          run: async () => {
            const response = await withState(events.withState!, {} as never, (() => undefined) as never);
            if (!response.body.includes('queued: '))
              throw new Error(`bench: floor answered ${response.body}`);
          },
        },
      },
      { warmup: sizes.ackWarmup, iterations: sizes.ackIterations },
    );
    const total = sizes.ackWarmup + sizes.ackIterations;
    const queued = stack.dispatcher.jobs.filter((job) => job.kind === 'operation').length;
    if (queued !== total) throw new Error(`bench: ${queued} jobs dispatched for ${total} gray requests`);
    return [ackLatencyFigure(times, sizes.ackWarmup), ackCallsFigure(ackCalls)];
  } finally {
    await stack.close();
  }
}

function ackLatencyFigure(
  times: Record<'gray' | 'bare' | 'withState', number[]>,
  warmup: number,
): FigureResult {
  const gray = summarize(times.gray);
  const bare = summarize(times.bare);
  const withState = summarize(times.withState);
  const p50 = ratio(gray.p50, bare.p50);
  const p99 = ratio(gray.p99, bare.p99);
  const stateP50 = ratio(gray.p50, withState.p50);
  const stateP99 = ratio(gray.p99, withState.p99);
  return {
    id: '1-ack-latency',
    name: 'Ack latency, `/gray weight` through functions/slack.ts',
    value: { ...gray },
    baseline: { ...bare },
    ratio: p50,
    ratios: { p50, p99, p50VsBoltWithState: stateP50, p99VsBoltWithState: stateP99 },
    target: '≤ 1.5× (p50 and p99)',
    pass: p50 <= 1.5 && p99 <= 1.5,
    summary: `p50 ${gray.p50} ms / p99 ${gray.p99} ms vs bare Bolt ${bare.p50} / ${bare.p99} ms (×${p50} / ×${p99})`,
    context: {
      boltWithState: { ...withState },
    },
    how:
      `${gray.n} HMAC-signed \`/gray ${COMMAND}\` requests (API Gateway v2 events) through \`createSlackHandler\` ` +
      '(middy → Bolt `AwsLambdaReceiver` → parse, authorise, `GetItem` of the record, one `TransactWriteItems` ' +
      'recording the operation, the service lock and the delivery key → dispatch → ack) on DynamoDB Local, ' +
      'against the same number of signed `/gray` requests to a bare Bolt `App` + `AwsLambdaReceiver` whose ' +
      'listener only acks; all in one process, the variants taking turns (rotating which goes first) per ' +
      `iteration, after ${warmup} unrecorded warm-up requests each. The dispatcher is the \`InlineDispatcher\` ` +
      'held (`hold()`, never released): jobs are recorded and dropped, and the bench checks that every gray ' +
      'reply says `queued: weight 5` and that one job was dispatched per request. Each queued weight takes ' +
      'the service lock, so before every gray request the `LOCK` item is deleted directly (untimed): every ' +
      'request meets a free service, as after a finished operation. The record exists (green deployed at ' +
      'weight 0). The clock starts after the event is built and signed. For context (not judged), a third ' +
      'variant interleaved with both: the bare Bolt app doing the same two DynamoDB requests itself before ' +
      `acking ("Bolt + state"): p50 ${withState.p50} ms / p99 ${withState.p99} ms; gray is ×${stateP50} / ` +
      `×${stateP99} of that.`,
    notes:
      p50 > 1.5 || p99 > 1.5
        ? `The bare floor does no I/O at all (${bare.p50} ms), while the issue also requires the ack path to ` +
          'record the command and take the service lock before acking: the two DynamoDB round trips to ' +
          'DynamoDB Local (a Java process sharing the 2 cores) are most of the time. Bolt doing the same two ' +
          `requests itself takes ${withState.p50} ms at p50, and gray is ×${stateP50} (p50) / ×${stateP99} (p99) ` +
          "of that: gray's own parsing, policy and rendering cost little. Against the issue's floor the figure " +
          'fails; no ack path that writes to DynamoDB before acking can reach ×1.5 of one that does nothing.'
        : '',
  };
}

function ackCallsFigure(samples: Record<string, number>[]): FigureResult {
  const shapes = new Set(samples.map((counts) => describeCounts(counts)));
  if (shapes.size !== 1)
    throw new Error(`bench: the ack path's DynamoDB calls varied: ${[...shapes].join(' | ')}`);
  const counts = samples[0] ?? {};
  const { reads, writes } = readsAndWrites(counts);
  const transactional = (counts.TransactWriteItems ?? 0) === writes;
  return {
    id: '3c-ack-path-dynamodb',
    name: 'DynamoDB calls on the Slack ack path (`/gray weight`)',
    value: { reads, writes, requests: counts },
    baseline: null,
    ratio: null,
    target: '≤ 1 read + 1 transactional write',
    pass: reads <= 1 && writes <= 1 && transactional,
    summary: `${reads} read + ${writes} write (${describeCounts(counts)}), identical in all ${samples.length} requests`,
    how:
      'HTTP requests counted by operation (`X-Amz-Target`) by the counting DynamoDB client of ' +
      '`test/support/dynamodb-table.ts`, per gray request of figure 1 (the untimed lock deletion excluded); ' +
      'the bench fails if any request differs.',
  };
}
