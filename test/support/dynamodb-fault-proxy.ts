// A loopback HTTP proxy in front of DynamoDB Local that answers chosen requests with the errors real
// DynamoDB gives when a write meets a transaction in progress on the same item — which DynamoDB Local
// never reports — in DynamoDB's JSON 1.0 wire format, and forwards everything else untouched.
// No vitest imports.
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What a faulted request is answered with:
 * - `conflict`: TransactionConflictException (a single-item write, e.g. PutItem);
 * - `canceled-conflict`: TransactionCanceledException, reasons TransactionConflict then None…;
 * - `canceled-condition`: TransactionCanceledException, reasons ConditionalCheckFailed and
 *   TransactionConflict (a condition answer that must not be retried).
 */
export type DynamoDbFault = 'conflict' | 'canceled-conflict' | 'canceled-condition';

/** A running proxy. */
export interface DynamoDbFaultProxy {
  /** `http://127.0.0.1:<port>`: the endpoint to give the SDK client. */
  endpoint: string;
  /** Answers the next `count` requests whose X-Amz-Target ends with `.${operation}` with `fault`. */
  failNext(operation: string, count: number, fault: DynamoDbFault): void;
  /** Operations received, oldest first, with `!` after the faulted ones (`TransactWriteItems!`). */
  seen(): string[];
  close(): Promise<void>;
}

const JSON_10 = 'application/x-amz-json-1.0';

function faultBody(fault: DynamoDbFault, items: number): Record<string, unknown> {
  if (fault === 'conflict') {
    return {
      __type: 'com.amazonaws.dynamodb.v20120810#TransactionConflictException',
      message: 'Transaction is ongoing for the item',
    };
  }
  const reasons =
    fault === 'canceled-conflict'
      ? [{ Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }]
      : [
          { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' },
          { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' },
        ];
  while (reasons.length < items) reasons.push({ Code: 'None' } as never);
  return {
    __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
    Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
    CancellationReasons: reasons,
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Starts the proxy on a free loopback port, forwarding to the DynamoDB Local at `upstream`. */
export async function startDynamoDbFaultProxy(upstream: string): Promise<DynamoDbFaultProxy> {
  const target = new URL(upstream);
  const queued: { operation: string; fault: DynamoDbFault }[] = [];
  const seen: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const body = await readBody(req);
      const operation =
        String(req.headers['x-amz-target'] ?? '')
          .split('.')
          .at(-1) ?? '';
      const at = queued.findIndex((q) => q.operation === operation);
      if (at >= 0) {
        const fault = queued.splice(at, 1)[0]?.fault ?? 'conflict';
        seen.push(`${operation}!`);
        const items =
          (JSON.parse(body.toString('utf8')) as { TransactItems?: unknown[] }).TransactItems?.length ?? 1;
        res.writeHead(400, { 'content-type': JSON_10, 'x-amzn-requestid': `fault-${seen.length}` });
        res.end(JSON.stringify(faultBody(fault, items)));
        return;
      }
      seen.push(operation);
      const forwarded = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forwarded.on('error', () => res.destroy());
      forwarded.end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    failNext: (operation, count, fault) => {
      for (let i = 0; i < count; i++) queued.push({ operation, fault });
    },
    seen: () => [...seen],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
