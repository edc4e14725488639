import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, errorHandler, GatewayError, maxLoggedPathLength } from '@switchyard/core';
import { adminErrorHandler } from '../plugins/policy-keys/src/admin/admin-error-handler.js';
import express, { type ErrorRequestHandler } from 'express';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * The error handlers logged `req.path` whole: a failing request with a path up to Node's
 * 16 KiB header limit wrote all of it into the log line. A logged path is now its first
 * 1024 characters and how many were cut.
 */
let server: Server | undefined;

afterEach(() => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

/** An app whose every route throws `error`, answered by `handler`; resolves with its origin. */
async function failingApp(error: Error, handler: ErrorRequestHandler): Promise<string> {
  const app = express();
  app.use(() => {
    throw error;
  });
  app.use(handler);
  server = createServer(app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** GET `path` (sent as it is, as a hostile client would), resolving with the status. */
function get(origin: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(`${origin}${path}`, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

function capturingLogger() {
  const lines: Array<{ path?: string; msg: string }> = [];
  const logger = createLogger({ level: 'warn', destination: { write: (line: string) => void lines.push(JSON.parse(line) as { path?: string; msg: string }) } });
  return { lines, logger };
}

const longPath = `/v1/${'a'.repeat(12_000)}`;
const expected = `${longPath.slice(0, maxLoggedPathLength)}…[${longPath.length - maxLoggedPathLength} more characters]`;

describe('a failing request with a 12 KB path', () => {
  it.each([
    ['inside the gateway (error line)', new Error('a bug'), 'request failed inside the gateway'],
    ['upstream (warn line)', new GatewayError('upstream_unreachable', 'the provider is down'), 'request failed upstream'],
  ])('errorHandler, a failure %s: logs the first 1024 characters and how many were cut', async (_name, error, message) => {
    const { lines, logger } = capturingLogger();
    const origin = await failingApp(error, errorHandler({ logger }));
    expect(await get(origin, longPath)).toBeGreaterThanOrEqual(500);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: message, path: expected });
  });

  it('adminErrorHandler logs it bounded the same way', async () => {
    const { lines, logger } = capturingLogger();
    const origin = await failingApp(new Error('a bug'), adminErrorHandler(logger));
    expect(await get(origin, longPath)).toBe(500);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'admin request failed', path: expected });
  });

  it('a path within the bound is logged whole', async () => {
    const { lines, logger } = capturingLogger();
    const origin = await failingApp(new Error('a bug'), errorHandler({ logger }));
    const path = `/v1/${'b'.repeat(maxLoggedPathLength - 4)}`;
    expect(await get(origin, path)).toBe(500);
    expect(lines[0]!.path).toBe(path);
  });
});

/**
 * A path is the client's: a key pasted where an id or a model goes (`/v1/responses/resp_sk-…`,
 * `/v1/models/…`, an admin route's key id) was written into the failure's log line as sent.
 */
describe('a failing request with a key in its path', () => {
  const anthropicKey = 'sk-ant-api03-Qw3Er5Ty8Ui1Op4As6Df0GhJk2Lz';
  const googleKey = 'AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUv';
  const path = `/v1/responses/resp_${anthropicKey}/input_items;key=${googleKey}`;

  it('errorHandler logs the path with the key blanked, the rest kept', async () => {
    const { lines, logger } = capturingLogger();
    const origin = await failingApp(new GatewayError('upstream_unreachable', 'the provider is down'), errorHandler({ logger }));
    expect(await get(origin, path)).toBeGreaterThanOrEqual(500);
    expect(lines[0]!.path).toBe('/v1/responses/resp_[REDACTED]/input_items;key=[REDACTED]');
  });

  it('adminErrorHandler logs it blanked the same way, a percent-encoded key too', async () => {
    const { lines, logger } = capturingLogger();
    const origin = await failingApp(new Error('a bug'), adminErrorHandler(logger));
    expect(await get(origin, `/admin/keys/Bearer%20${encodeURIComponent(anthropicKey)}`)).toBe(500);
    expect(lines[0]!.path).not.toContain(anthropicKey.slice(-12));
  });
});
