// `npm run dev`: gray from a real Slack workspace without a public URL — Bolt in Socket Mode
// (SLACK_APP_TOKEN, xapp-…) with the same listeners as the Lambda, on the embedded local stack
// (or a real cluster: `npm run dev -- --kubeconfig ~/.kube/config --context kind-istio`).
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { App } from '@slack/bolt';
import { registerGrayCommands } from '../functions/slack/listeners.js';
import { logInternalError } from '../functions/slack/logger.js';
import { createGrayRuntime, createInlineDispatcher, readGrayEnv } from '../functions/slack/runtime.js';
import { startLocalStack } from './support/local-stack.js';

const { values } = parseArgs({ options: { kubeconfig: { type: 'string' }, context: { type: 'string' } } });
const appToken = process.env.SLACK_APP_TOKEN;
const botToken = process.env.SLACK_BOT_TOKEN;
if (!appToken?.startsWith('xapp-') || !botToken?.startsWith('xoxb-')) {
  console.error(
    'npm run dev needs a Slack app with Socket Mode on (create it from infra/slack-app-manifest.yaml):\n' +
      '  export SLACK_APP_TOKEN=xapp-…   # Basic Information → App-Level Tokens (scope connections:write)\n' +
      '  export SLACK_BOT_TOKEN=xoxb-…   # OAuth & Permissions → Bot User OAuth Token',
  );
  process.exit(2);
}
const stack = await startLocalStack(join(process.cwd(), '.gray-demo'), {
  realCluster: values.kubeconfig !== undefined || values.context !== undefined,
});
const runtime = createGrayRuntime(
  readGrayEnv({ SLACK_BOT_TOKEN: botToken, GRAY_TABLE_NAME: stack.env.GRAY_TABLE_NAME }),
  {
    dynamo: new DynamoDBClient({
      endpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
    access: {
      ...(values.kubeconfig
        ? { kubeconfigPath: values.kubeconfig }
        : { kubeconfigPath: stack.kubeconfigPath }),
      ...(values.context ? { context: values.context } : {}),
    },
  },
);
const app = new App({ token: botToken, appToken, socketMode: true });
// The same listeners as the Lambda; their jobs run in this process (GRAY_DISPATCH=inline).
registerGrayCommands(app, { dispatcher: createInlineDispatcher(runtime), logError: logInternalError });
await app.start();
console.log('gray is connected to Slack in Socket Mode; try /gray help. Ctrl-C stops it.');
const stop = async () => {
  await app.stop();
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
