// Label and field selectors of list requests (k8s.io/apimachinery pkg/labels, pkg/fields).
import type { KubeObject } from './resources.js';
import { badRequest } from './status.js';

/** A parsed selector: true when an object's labels (or fields) satisfy every requirement. */
export type Matcher = (values: Record<string, string>) => boolean;

/** Splits on commas that are not inside parentheses (`a in (x,y),b` → two requirements). */
function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

const KEY = '([A-Za-z0-9][-A-Za-z0-9_./]*)';
const VALUE = '([-A-Za-z0-9_.]*)';

function parseRequirement(req: string): Matcher {
  let m = new RegExp(`^!\\s*${KEY}$`).exec(req);
  if (m) {
    const key = m[1] ?? '';
    return (labels) => !(key in labels);
  }
  m = new RegExp(`^${KEY}\\s*(==|=|!=)\\s*${VALUE}$`).exec(req);
  if (m) {
    const [, key = '', op, value = ''] = m;
    return op === '!=' ? (labels) => labels[key] !== value : (labels) => labels[key] === value;
  }
  m = new RegExp(`^${KEY}\\s+(in|notin)\\s*\\(([^)]*)\\)$`).exec(req);
  if (m) {
    const [, key = '', op, list = ''] = m;
    const values = list.split(',').map((v) => v.trim());
    return op === 'in'
      ? (labels) => key in labels && values.includes(labels[key] ?? '')
      : (labels) => !(key in labels) || !values.includes(labels[key] ?? '');
  }
  m = new RegExp(`^${KEY}$`).exec(req);
  if (m) {
    const key = m[1] ?? '';
    return (labels) => key in labels;
  }
  throw badRequest(`unable to parse requirement: invalid label selector: "${req}"`);
}

/** Parses `k=v,k!=v,k,!k,k in (a,b),k notin (a)` (comma = AND); throws 400 BadRequest when malformed. */
export function parseLabelSelector(selector: string): Matcher {
  const requirements = splitTopLevel(selector).map(parseRequirement);
  return (labels) => requirements.every((r) => r(labels));
}

const FIELDS = new Set(['metadata.name', 'metadata.namespace']);

/** Parses a field selector over metadata.name / metadata.namespace (`=`, `==`, `!=`); 400 for other fields. */
export function parseFieldSelector(selector: string): (obj: KubeObject) => boolean {
  const requirements = splitTopLevel(selector).map((req) => {
    const m = /^([A-Za-z.]+)\s*(==|=|!=)\s*(.*)$/.exec(req);
    if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${req}'`);
    const [, field = '', op, value = ''] = m;
    if (!FIELDS.has(field)) throw badRequest(`field label not supported: ${field}`);
    return { field, negate: op === '!=', value };
  });
  return (obj) =>
    requirements.every(({ field, negate, value }) => {
      const actual = field === 'metadata.name' ? obj.metadata.name : obj.metadata.namespace;
      return negate ? actual !== value : actual === value;
    });
}
