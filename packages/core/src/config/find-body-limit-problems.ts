import { parseByteSize } from '../http/read-json-body.js';
import type { ValidationProblem } from '../validation/compile-validator.js';
import type { GatewayConfig } from './gateway-config.js';

/** The largest request body the gateway will hold in memory to parse: the schema's ceiling for a number of bytes. */
const maxBodyLimitBytes = 1024 ** 3;

/**
 * `server.body_limit` written as a size (`4mb`) is bounded as the number form is: `99999gb`
 * passed the schema's pattern and let any client make the gateway buffer without end, and
 * `0.1b` rounded to a limit that refuses every body.
 */
export function findBodyLimitProblems(config: GatewayConfig): ValidationProblem[] {
  const limit = (config.server as Partial<GatewayConfig['server']> | undefined)?.body_limit;
  if (typeof limit !== 'string') return [];
  let bytes: number;
  try {
    bytes = parseByteSize(limit);
  } catch {
    return []; // the schema's pattern has said why
  }
  if (bytes >= 1 && bytes <= maxBodyLimitBytes) return [];
  return [{ path: '/server/body_limit', message: 'must be between 1 byte and 1gb' }];
}
