// `gray` with no $GRAY_TABLE_NAME: a mistyped command still gets its own usage hint (exit 2); only a
// command that would reach the store gets the table message (exit 1). No store, cluster or network is
// involved: the missing table name stops every command before any request.
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../functions/cli.js';

const CONFIG = fileURLToPath(new URL('../fixtures/config/minimal.yaml', import.meta.url));
const TABLE_MISSING =
  'gray: GRAY_TABLE_NAME is not set: name the DynamoDB table gray keeps its records in (for the local stack, `npm run stack` prints it with the other exports)';

let saved: string | undefined;
beforeEach(() => {
  saved = process.env.GRAY_TABLE_NAME;
  delete process.env.GRAY_TABLE_NAME;
});
afterEach(() => {
  if (saved === undefined) delete process.env.GRAY_TABLE_NAME;
  else process.env.GRAY_TABLE_NAME = saved;
});

async function gray(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['--config', CONFIG, '--as', 'alice', ...args], {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
  });
  return { code, out, err };
}

describe('gray without GRAY_TABLE_NAME', () => {
  it.each<[string, string]>([
    [
      'weight address-service abc',
      'gray: weight "abc" must be a whole percent from 0 to 100, like gray weight address-service 25',
    ],
    [
      'teardown address-service purple',
      'gray: slot "purple" is not blue or green; type blue or green, like gray teardown address-service blue',
    ],
    [
      'route address-service header nope',
      'gray: route: type `gray route address-service header <name>=<value>`, `gray route address-service users <id,…>` or `gray route address-service off`, like `gray route address-service header x-latest-version=true`',
    ],
    ['weight billing 20', 'gray: unknown service "billing"; configured services: address-service'],
  ])(
    'answers the mistyped `gray %s` with its usage hint (exit 2), not the table message',
    async (line, message) => {
      expect(await gray(...line.split(' '))).toEqual({ code: 2, out: [], err: [message] });
    },
  );

  it.each(['weight address-service 25', 'status address-service', '--dry-run promote address-service'])(
    'stops the well-formed `gray %s` with the table message (exit 1)',
    async (line) => {
      expect(await gray(...line.split(' '))).toEqual({ code: 1, out: [], err: [TABLE_MISSING] });
    },
  );
});
