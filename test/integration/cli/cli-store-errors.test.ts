// `gray` pointed at a DynamoDB it cannot use: the AWS SDK's own errors (a table that does not exist on
// DynamoDB Local, a port nobody listens on, no region, no credentials) come back as one line naming the
// variable to fix (exit 1), never `internal error`. `history` is used because it reads only the store.
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { explainStoreError } from '../../../functions/cli/store-errors.js';
import { runCli } from '../../../functions/cli.js';
import { findFreePort } from '../../support/dynamodb-local.js';

const CONFIG = fileURLToPath(new URL('../../fixtures/config/minimal.yaml', import.meta.url));
const NOWHERE = join(mkdtempSync(join(tmpdir(), 'gray-aws-')), 'missing');
/** Every variable the SDK would read a region, credentials or endpoint from. */
const AWS_VARIABLES = [
  'GRAY_TABLE_NAME',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
];
const saved = Object.fromEntries(AWS_VARIABLES.map((name) => [name, process.env[name]]));

afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/** Runs `gray history address-service` with exactly `env` for AWS (no profile files, no instance metadata). */
async function historyWith(env: Record<string, string>) {
  for (const name of AWS_VARIABLES) delete process.env[name];
  Object.assign(process.env, {
    AWS_CONFIG_FILE: NOWHERE,
    AWS_SHARED_CREDENTIALS_FILE: NOWHERE,
    AWS_EC2_METADATA_DISABLED: 'true',
    ...env,
  });
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['--config', CONFIG, 'history', 'address-service'], {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
  });
  return { code, out, err };
}

const credentials = { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };

describe('gray with a DynamoDB it cannot use', () => {
  it.each([
    [
      'names a table that does not exist and where it looked',
      async () => ({ table: 'gray-typo', endpoint: inject('dynamoEndpoint') }),
      (endpoint: string) =>
        `gray: DynamoDB has no table "gray-typo" at ${endpoint}: set GRAY_TABLE_NAME to gray's table, and AWS_ENDPOINT_URL_DYNAMODB for a local DynamoDB (\`npm run stack\` prints both for the local stack)`,
    ],
    [
      'says the endpoint did not answer and asks whether the local stack runs',
      async () => ({ table: 'gray-local', endpoint: `http://127.0.0.1:${await findFreePort()}` }),
      (endpoint: string) =>
        `gray: DynamoDB did not answer at ${endpoint} (ECONNREFUSED): is the local stack running (\`npm run stack\`), and is AWS_ENDPOINT_URL_DYNAMODB the address it printed?`,
    ],
  ])('%s', async (_title, where, message) => {
    const { table, endpoint } = await where();
    const result = await historyWith({
      ...credentials,
      GRAY_TABLE_NAME: table,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    });

    expect(result).toEqual({ code: 1, out: [], err: [message(endpoint)] });
  });

  it('asks for a region when none is set', async () => {
    const result = await historyWith({ ...credentials, GRAY_TABLE_NAME: 'gray-local' });

    expect(result).toEqual({
      code: 1,
      out: [],
      err: [
        'gray: no AWS region for DynamoDB: set AWS_REGION (`npm run stack` prints it for the local stack)',
      ],
    });
  });

  it('asks for credentials when the SDK finds none', async () => {
    const result = await historyWith({
      GRAY_TABLE_NAME: 'gray-local',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
    });

    expect(result.code).toBe(1);
    expect(result.err).toHaveLength(1);
    expect(result.err[0]).toMatch(
      /^gray: DynamoDB did not accept gray's AWS credentials \(.+\): set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY \(`npm run stack` prints dummy ones for the local stack\)$/,
    );
  });

  it.each([
    [
      'an endpoint that is not DynamoDB',
      404,
      'text/html',
      '<html>Not Found</html>',
      (endpoint: string) =>
        `gray: the endpoint ${endpoint} did not answer as DynamoDB does (HTTP 404): check AWS_ENDPOINT_URL_DYNAMODB (\`npm run stack\` prints the local one)`,
    ],
    [
      'an identity DynamoDB refuses',
      400,
      'application/x-amz-json-1.0',
      JSON.stringify({
        __type: 'com.amazonaws.dynamodb.v20120810#AccessDeniedException',
        message:
          'User: arn:aws:sts::123456789012:assumed-role/dev/alice is not authorized to perform: dynamodb:Query on resource: arn:aws:dynamodb:us-east-1:123456789012:table/gray-prod',
      }),
      () =>
        `gray: DynamoDB refused gray's AWS identity on table "gray-prod" (User: arn:aws:sts::123456789012:assumed-role/dev/alice is not authorized to perform: dynamodb:Query on resource: arn:aws:dynamodb:us-east-1:123456789012:table/gray-prod): it needs read and write access to that table (the deployed functions' role has it)`,
    ],
  ])(
    'names %s (a loopback server answering in its wire format)',
    async (_what, status, type, body, message) => {
      const server = await answering(status, type, body);
      try {
        const endpoint = url(server);
        const result = await historyWith({
          ...credentials,
          GRAY_TABLE_NAME: 'gray-prod',
          AWS_REGION: 'us-east-1',
          AWS_ENDPOINT_URL_DYNAMODB: endpoint,
        });

        expect(result).toEqual({ code: 1, out: [], err: [message(endpoint)] });
      } finally {
        server.close();
      }
    },
  );

  it('leaves throttling to the internal-error path: it is not a set-up problem', async () => {
    const server = await answering(
      400,
      'application/x-amz-json-1.0',
      JSON.stringify({
        __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
        message: 'The level of configured provisioned throughput for the table was exceeded.',
      }),
    );
    try {
      const error = await oneGetItem(url(server));

      expect((error as Error).name).toBe('ProvisionedThroughputExceededException');
      expect(explainStoreError(error, { AWS_ENDPOINT_URL_DYNAMODB: url(server) })).toBeUndefined();
    } finally {
      server.close();
    }
  });

  it('reads a request timeout (an endpoint that accepts and never answers) as no answer', async () => {
    const server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      // gray's own client waits 10 s per attempt (grayDynamoDbClient); the same options, shorter.
      const error = await oneGetItem(url(server), {
        requestHandler: { connectionTimeout: 200, requestTimeout: 200, throwOnRequestTimeout: true },
      });

      expect(explainStoreError(error, { AWS_ENDPOINT_URL_DYNAMODB: url(server) })?.message).toBe(
        `DynamoDB did not answer at ${url(server)} (ETIMEDOUT): is the local stack running (\`npm run stack\`), and is AWS_ENDPOINT_URL_DYNAMODB the address it printed?`,
      );
      expect(explainStoreError(error, { AWS_REGION: 'eu-west-1' })?.message).toBe(
        'DynamoDB did not answer in eu-west-1 (ETIMEDOUT): check the network and AWS_REGION, then try again',
      );
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

/** A loopback server answering every request with `status`, `type` and `body`. */
async function answering(status: number, type: string, body: string): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(status, { 'content-type': type }).end(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const url = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** The error of one GetItem (a single attempt) sent by a plain SDK client to `endpoint`. */
function oneGetItem(endpoint: string, extra: Record<string, unknown> = {}): Promise<unknown> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    ...extra,
  });
  return client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } })).then(
    () => undefined,
    (error: unknown) => error,
  );
}
