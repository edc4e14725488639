import type { ValidationProblem } from '../validation/compile-validator.js';
import type { GatewayConfig } from './gateway-config.js';

/**
 * Node refuses a server whose header deadline is later than its request deadline
 * (ERR_OUT_OF_RANGE, a crash at start): said here, with the config's line, instead.
 */
export function findTimeoutProblems(config: GatewayConfig): ValidationProblem[] {
  const server = config.server as Partial<GatewayConfig['server']> | undefined;
  const headers = server?.headers_timeout_ms;
  const request = server?.request_timeout_ms;
  if (typeof headers !== 'number' || typeof request !== 'number' || headers <= request) return [];
  return [{ path: '/server/headers_timeout_ms', message: `must be <= server.request_timeout_ms (${request})` }];
}
