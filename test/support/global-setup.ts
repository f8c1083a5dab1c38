// vitest globalSetup of the integration project: one DynamoDB Local for the whole run. Test files get its
// endpoint with `inject('dynamoEndpoint')` and make their own table (test/support/dynamodb-table.ts).
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from './dynamodb-local.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** DynamoDB Local's endpoint for this run, `http://127.0.0.1:<port>`. */
    dynamoEndpoint: string;
  }
}

/** Starts DynamoDB Local, provides `dynamoEndpoint` to the tests, and returns the teardown that stops it. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dynamo = await startDynamoDbLocal();
  project.provide('dynamoEndpoint', dynamo.endpoint);
  return () => dynamo.stop();
}
