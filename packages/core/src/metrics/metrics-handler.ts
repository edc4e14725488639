import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { GatewayError } from '../errors/gateway-error.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import { getProcessRegistry } from './process-metrics.js';

export interface MetricsHandlerOptions {
  /** When set, a scrape must send `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** Serve Node process metrics beside the gateway's own. */
  processMetrics: boolean;
}

/** What a scrape reads: the gateway's registry, or anything that renders its text (the sum of a cluster's workers). */
export interface MetricsSource {
  registry: Pick<GatewayMetrics['registry'], 'metrics' | 'contentType'>;
}

/**
 * `GET /metrics` in the Prometheus text format: the gateway's registry, and the
 * process's. With a token configured, a scrape without it is a 401 `missing_api_key`,
 * one with another a 401 `invalid_api_key`; the comparison takes constant time.
 */
export function metricsHandler(metrics: MetricsSource, options: MetricsHandlerOptions): RequestHandler {
  const accepts = options.token === undefined ? undefined : tokenCheck(options.token);
  return async (req, res) => {
    if (accepts) {
      const presented = bearerToken(req.headers.authorization);
      if (presented === undefined) throw new GatewayError('missing_api_key', 'This /metrics needs a token: send Authorization: Bearer <metrics token>.');
      if (!accepts(presented)) throw new GatewayError('invalid_api_key', 'The /metrics token is not valid.');
    }
    const parts = [await metrics.registry.metrics()];
    if (options.processMetrics) parts.push(await getProcessRegistry().metrics());
    res.setHeader('content-type', metrics.registry.contentType);
    res.end(parts.join('\n'));
  };
}

/** Compares digests, so neither the token's length nor its prefix shows in the time taken. */
function tokenCheck(token: string): (presented: string) => boolean {
  const expected = createHash('sha256').update(token).digest();
  return (presented) => timingSafeEqual(createHash('sha256').update(presented).digest(), expected);
}

function bearerToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
