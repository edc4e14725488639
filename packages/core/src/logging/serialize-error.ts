import { pino } from 'pino';
import { SecretRedactor } from '../errors/redact-secrets.js';

const redactor = new SecretRedactor();

/** How deep into an error's own fields strings are blanked; what lies deeper is left out. */
const maxFieldDepth = 8;

/** How many values of one error are looked at; past them, the rest is left out. */
const maxFieldValues = 2000;

/**
 * pino's `err` serializer with key-shaped strings blanked in every text field
 * (message and stack include the causes'), at any depth of the error's own fields:
 * an SDK's or an HTTP client's error keeps the request it sent (`request.headers.Authorization`,
 * a URL with `?key=`), and pino writes such fields whole. The provider's own secrets
 * were blanked where its words entered the gateway; this is the last line.
 */
export function serializeError(value: unknown): unknown {
  const serialized = pino.stdSerializers.err(value as Error) as unknown;
  return blanked(serialized, 0, { seen: new Set(), left: maxFieldValues });
}

function blanked(value: unknown, depth: number, walk: { seen: Set<object>; left: number }): unknown {
  if (typeof value === 'string') return redactor.redact(value);
  if (typeof value !== 'object' || value === null) return value;
  if (walk.seen.has(value)) return '[Circular]';
  if (depth >= maxFieldDepth || walk.left <= 0) return '[left out: too deep or too large]';
  walk.seen.add(value);
  if (Array.isArray(value)) return value.map((item) => (--walk.left >= 0 ? blanked(item, depth + 1, walk) : undefined));
  const copy: Record<string, unknown> = {};
  for (const [field, fieldValue] of Object.entries(value)) {
    if (--walk.left < 0) break;
    copy[field] = blanked(fieldValue, depth + 1, walk);
  }
  return copy;
}
