// `npm run stack`: starts the embedded local stack and keeps it running, printing the environment that
// points the `gray` CLI at it. Ctrl-C stops everything.
import { join } from 'node:path';
import { startLocalStack } from './support/local-stack.js';

const stack = await startLocalStack(join(process.cwd(), '.gray-stack'));
console.log('Local stack running (DynamoDB Local + Kubernetes API server seeded with happyride).');
console.log('In another shell:');
for (const [key, value] of Object.entries(stack.env)) console.log(`  export ${key}=${value}`);
console.log('  npx gray status address-service');
const stop = async () => {
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
