// Cold-start floor of the slack function (figure 2a): a bare Bolt app on AwsLambdaReceiver whose
// `/gray` listener only acks, built on the first invocation as functions/slack.ts builds gray's.
import { App, AwsLambdaReceiver } from '@slack/bolt';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

type BoltHandler = (event: never, context: never, callback: never) => Promise<unknown>;

let boltHandler: Promise<BoltHandler> | undefined;

/** Lambda entry (API Gateway HTTP API v2 event → Bolt); the app is built on the first call. */
export async function handler(event: APIGatewayProxyEventV2, context: Context): Promise<unknown> {
  boltHandler ??= (async () => {
    const receiver = new AwsLambdaReceiver({ signingSecret: process.env.SLACK_SIGNING_SECRET ?? '' });
    const app = new App({ token: process.env.SLACK_BOT_TOKEN ?? '', receiver });
    app.command('/gray', async ({ ack }) => {
      await ack();
    });
    return (await receiver.start()) as unknown as BoltHandler;
  })();
  const handle = await boltHandler;
  return handle(event as never, context as never, (() => undefined) as never);
}
