import { pino } from 'pino';
import { SecretRedactor } from '../errors/redact-secrets.js';

const redactor = new SecretRedactor();

/**
 * pino's `err` serializer with key-shaped strings blanked in every text field
 * (message and stack include the causes'). The provider's own secrets were
 * blanked where its words entered the gateway; this is the last line.
 */
export function serializeError(value: unknown): unknown {
  const serialized = pino.stdSerializers.err(value as Error) as unknown;
  if (typeof serialized === 'string') return redactor.redact(serialized);
  if (typeof serialized !== 'object' || serialized === null) return serialized;
  const copy: Record<string, unknown> = {};
  for (const [field, fieldValue] of Object.entries(serialized)) {
    copy[field] = typeof fieldValue === 'string' ? redactor.redact(fieldValue) : fieldValue;
  }
  return copy;
}
