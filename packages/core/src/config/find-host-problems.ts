import type { ValidationProblem } from '../validation/compile-validator.js';
import type { GatewayConfig } from './gateway-config.js';

/**
 * No address or host name holds a space or a control character: `host: ${HOST}` with HOST read
 * from a file keeps its line break, and `validate` said "valid" of a host start could not listen on.
 * The value is not quoted (it is written out where the listen fails).
 */
export function findHostProblems(config: GatewayConfig): ValidationProblem[] {
  const host = (config.server as Partial<GatewayConfig['server']> | undefined)?.host;
  if (typeof host !== 'string' || !/[\s\x00-\x1f\x7f]/.test(host)) return [];
  return [{ path: '/server/host', message: 'holds a space, a line break or another control character, which no address or host name has' }];
}
