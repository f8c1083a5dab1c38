// The embedded local stack: DynamoDB Local (Amazon's jar) with gray's table, and our Kubernetes API
// server over HTTPS seeded with the seed's happyride objects. Used by `npm run demo` and `npm run stack`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { grayTableDefinition } from '../../functions/store/table.js';
import { startDynamoDbLocal } from '../../test/support/dynamodb-local.js';
import { type KubeApiServer, startKubeApiServer } from '../../test/support/kube-api-server/index.js';
import { seedHappyride } from '../../test/support/kube-api-server/seed.js';

/** A running local stack and the environment that points gray at it. */
export interface LocalStack {
  env: Record<string, string>;
  kubeconfigPath?: string;
  kube?: KubeApiServer;
  stop(): Promise<void>;
}

/**
 * Starts DynamoDB Local and creates the table; unless `kubeconfig` is given (a real cluster), also starts
 * our Kubernetes API server seeded with happyride and writes its kubeconfig under `dir`.
 */
export async function startLocalStack(
  dir: string,
  options: { realCluster?: boolean; rolloutDelayMs?: number } = {},
): Promise<LocalStack> {
  mkdirSync(dir, { recursive: true });
  const dynamo = await startDynamoDbLocal();
  const tableName = 'gray-local';
  const env: Record<string, string> = {
    GRAY_TABLE_NAME: tableName,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  };
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const definition = grayTableDefinition(tableName);
  await client.send(new CreateTableCommand(definition.createTable));
  await client.send(new UpdateTimeToLiveCommand(definition.timeToLive));
  client.destroy();
  if (options.realCluster) {
    return { env, stop: () => dynamo.stop() };
  }
  const kube = await startKubeApiServer({ rolloutStepMs: options.rolloutDelayMs ?? 1200 });
  await seedHappyride(kube);
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kube.kubeConfigYaml('happyride'), { mode: 0o600 });
  env.KUBECONFIG = kubeconfigPath;
  return {
    env,
    kubeconfigPath,
    kube,
    stop: async () => {
      await kube.close();
      await dynamo.stop();
    },
  };
}
