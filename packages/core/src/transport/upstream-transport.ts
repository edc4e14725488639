import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import { GatewayError, isGatewayError, toGatewayError } from '../errors/gateway-error.js';
import type { UpstreamRequest, UpstreamTimeouts } from '../plugin/provider-types.js';

export const defaultUpstreamTimeouts: UpstreamTimeouts = {
  connectMs: 10_000,
  headersMs: 120_000,
  bodyMs: 120_000,
};

export interface UpstreamTransportOptions {
  /** Connections kept per upstream origin. */
  connectionsPerOrigin?: number;
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs?: number;
}

/**
 * The gateway's only way out to providers: one undici pool per origin with
 * keep-alive, timeouts on every phase, and cancellation through an AbortSignal.
 */
export class UpstreamTransport {
  private readonly pools = new Map<string, Pool>();
  private closed = false;

  constructor(private readonly options: UpstreamTransportOptions = {}) {}

  async send(
    request: UpstreamRequest,
    signal: AbortSignal,
    timeouts: UpstreamTimeouts,
    provider: string,
  ): Promise<Dispatcher.ResponseData> {
    const pool = this.poolFor(request.origin, timeouts.connectMs);
    try {
      return await pool.request({
        path: request.path,
        method: request.method,
        headers: request.headers,
        body: request.body ?? null,
        signal,
        headersTimeout: timeouts.headersMs,
        bodyTimeout: timeouts.bodyMs,
      });
    } catch (error) {
      throw mapTransportError(error, provider, signal);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.close().catch(() => pool.destroy())));
  }

  private poolFor(origin: string, connectTimeoutMs: number): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      if (this.closed) throw new GatewayError('shutting_down', 'The gateway is shutting down.');
      pool = new Pool(origin, {
        connections: this.options.connectionsPerOrigin ?? 128,
        keepAliveTimeout: this.options.keepAliveTimeoutMs ?? 30_000,
        connect: { timeout: connectTimeoutMs },
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }
}

/** Maps undici and socket failures onto the catalogue; the client's own abort stays an abort. */
export function mapTransportError(error: unknown, provider: string, signal?: AbortSignal): GatewayError {
  if (isGatewayError(error)) return toGatewayError(error);
  if (signal?.aborted) {
    return new GatewayError('client_closed_request', 'The client closed the connection.', { provider, cause: error });
  }
  if (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError
  ) {
    return new GatewayError('upstream_timeout', `The ${provider} upstream did not answer in time.`, {
      provider,
      cause: error,
    });
  }
  return new GatewayError('upstream_unreachable', `Could not reach the ${provider} upstream.`, {
    provider,
    cause: error,
  });
}
