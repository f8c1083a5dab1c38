// A loopback AWS Systems Manager endpoint (node:http on 127.0.0.1) speaking the SSM JSON 1.1 protocol
// for GetParameter, so the real AWS SDK (and Powertools parameters on top of it) can be pointed at it
// with AWS_ENDPOINT_URL_SSM. Records every request. No vitest imports.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as received: the X-Amz-Target operation and the JSON body's fields. */
export interface SsmCall {
  target: string;
  name?: string;
  withDecryption?: boolean;
  /** True when the request carried a SigV4 Authorization header. */
  signed: boolean;
}

/** A running loopback SSM. */
export interface SsmApiServer {
  /** `http://127.0.0.1:<port>`: the value for AWS_ENDPOINT_URL_SSM. */
  url: string;
  /** Stores a SecureString parameter (version 1, or one more than the previous value). */
  putSecureString(name: string, value: string): void;
  /** Every request received, oldest first. */
  calls(): SsmCall[];
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

const JSON_11 = 'application/x-amz-json-1.1';

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': JSON_11, 'x-amzn-requestid': `req-${Date.now()}` });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Starts the server. GetParameter answers `{ Parameter: { Name, Type: 'SecureString', Value, Version } }`
 * (the value only with `WithDecryption: true`, else a placeholder ciphertext, as SSM does);
 * an unknown name is `ParameterNotFound` (400); any other operation is `InvalidAction` (400).
 */
export async function startSsmApiServer(
  region = 'eu-west-1',
  account = '123456789012',
): Promise<SsmApiServer> {
  const parameters = new Map<string, { value: string; version: number }>();
  const calls: SsmCall[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const text = await readBody(req);
      const body = (text ? JSON.parse(text) : {}) as { Name?: string; WithDecryption?: boolean };
      calls.push({
        target,
        ...(body.Name !== undefined ? { name: body.Name } : {}),
        ...(body.WithDecryption !== undefined ? { withDecryption: body.WithDecryption } : {}),
        signed: String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 '),
      });
      if (req.method !== 'POST' || target !== 'AmazonSSM.GetParameter') {
        reply(res, 400, {
          __type: 'InvalidAction',
          message: `${target || '(no target)'} is not served here`,
        });
        return;
      }
      const stored = body.Name === undefined ? undefined : parameters.get(body.Name);
      if (!stored || body.Name === undefined) {
        reply(res, 400, { __type: 'ParameterNotFound', message: `Parameter ${body.Name} not found.` });
        return;
      }
      reply(res, 200, {
        Parameter: {
          Name: body.Name,
          Type: 'SecureString',
          Value: body.WithDecryption ? stored.value : `AQICAH-ciphertext-of-${body.Name}`,
          Version: stored.version,
          DataType: 'text',
          ARN: `arn:aws:ssm:${region}:${account}:parameter${body.Name}`,
        },
      });
    })().catch((error: unknown) =>
      reply(res, 500, { __type: 'InternalServerError', message: String(error) }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    putSecureString(name, value) {
      parameters.set(name, { value, version: (parameters.get(name)?.version ?? 0) + 1 });
    },
    calls: () => calls.map((call) => ({ ...call })),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
