// Parses a Slack Web API request the way Slack does: form-encoded (what @slack/web-api sends, nested fields
// JSON-encoded) or JSON; the token from `Authorization: Bearer …` or a `token` field.
import type { IncomingMessage } from 'node:http';

/** A parsed request: `params` without the token; `contentType` is the bare media type. */
export interface ParsedSlackRequest {
  params: Record<string, unknown>;
  token: string | undefined;
  contentType: string;
}

/** Fields Slack takes as JSON even inside a form-encoded body. */
const jsonFields = new Set(['blocks', 'attachments', 'view', 'metadata', 'unfurls', 'user_auth_blocks']);

/** Raised for a body Slack would refuse; `error` is Slack's error code. */
export class SlackRequestError extends Error {
  constructor(readonly error: string) {
    super(error);
  }
}

/** Reads and parses the request body and query; throws {@link SlackRequestError} `invalid_form_data`. */
export async function parseSlackRequest(request: IncomingMessage): Promise<ParsedSlackRequest> {
  const raw = await readBody(request);
  const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  if (raw.length > 0) {
    if (contentType === 'application/json') {
      const body: unknown = parseJson(raw);
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new SlackRequestError('invalid_json');
      }
      Object.assign(params, body);
    } else if (contentType === 'application/x-www-form-urlencoded' || contentType === '') {
      Object.assign(params, Object.fromEntries(new URLSearchParams(raw)));
    } else {
      throw new SlackRequestError('invalid_form_data');
    }
  }
  for (const field of jsonFields) {
    const value = params[field];
    // Left as the string when it is not JSON: the method then answers e.g. `invalid_blocks`.
    if (typeof value === 'string') params[field] = parseJson(value) ?? value;
  }
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  const token = bearer ?? (typeof params.token === 'string' ? params.token : undefined);
  delete params.token;
  return { params, token, contentType };
}

/** Reads a request body as UTF-8 text. */
export function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
