// Cold-start floor of the worker and the sweeper (figures 2b, 2c): @kubernetes/client-node and the AWS
// SDK's DynamoDB client, nothing else; clients built on the first invocation, as gray builds its own.
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';

let clients: { custom: CustomObjectsApi; dynamo: DynamoDBClient } | undefined;

/** Lambda entry: reads one item and one VirtualService (never called by the bench; it only imports). */
export async function handler(event: { service: string }): Promise<unknown> {
  if (!clients) {
    const config = new KubeConfig();
    config.loadFromDefault();
    clients = { custom: config.makeApiClient(CustomObjectsApi), dynamo: new DynamoDBClient({}) };
  }
  const item = await clients.dynamo.send(
    new GetItemCommand({
      TableName: process.env.GRAY_TABLE_NAME ?? '',
      Key: { pk: { S: `SERVICE#${event.service}` }, sk: { S: 'RELEASE' } },
    }),
  );
  const vs = await clients.custom.getNamespacedCustomObject({
    group: 'networking.istio.io',
    version: 'v1beta1',
    namespace: 'happyride',
    plural: 'virtualservices',
    name: `${event.service}-deployment`,
  });
  return { item: item.Item, vs };
}
