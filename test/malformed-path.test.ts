import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Express's router decodes route parameters and throws on a malformed escape; every
 * route with a parameter, gateway and admin API alike, must answer that with a 400
 * in OpenAI's shape, not a 500 and not an "internal error" log line.
 */
let dataDir: string;
let gateway: TestGateway;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-malformed-path-'));
  gateway = await startTestGateway({ server: { data_dir: dataDir }, storage: { use: 'sqlite' } });
});
afterAll(async () => {
  await gateway?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const routes: Array<[method: string, route: string]> = [
  ['GET', '/v1/models/{}'],
  ['GET', '/v1/responses/{}'],
  ['GET', '/v1/responses/{}/input_items'],
  ['DELETE', '/v1/responses/{}'],
  ['GET', '/admin/keys/{}'],
  ['GET', '/admin/keys/{}/audit'],
  ['PATCH', '/admin/keys/{}'],
  ['POST', '/admin/keys/{}/revoke'],
  ['POST', '/admin/keys/{}/rotate'],
];

// A lone %, a non-hex escape, a UTF-8 sequence cut short, and an escape that is no UTF-8 at all.
const malformed = ['%', '%ZZ', '%E0%A4%A', '%C0%AF'];

describe('a route parameter that is not valid percent-encoding', () => {
  it.each(routes.flatMap(([method, route]) => malformed.map((escape) => [method, route, escape] as const)))('%s %s with %s → 400 invalid_request', async (method, route, escape) => {
    const logged = gateway.logLines.length;
    const response = await fetch(`${gateway.origin}${route.replace('{}', `key${escape}`)}`, {
      method,
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      ...(method !== 'GET' && method !== 'DELETE' && { body: '{}' }),
    });
    const body = (await response.json()) as { error: { type: string; code: string; message: string; param: unknown } };
    expect(response.status).toBe(400);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request', param: null });
    expect(body.error.message).toContain('percent-encoding');
    expect(body.error.message).not.toContain(`key${escape}`);
    expect(gateway.logLines.slice(logged).filter((line) => line.includes('"level":50'))).toEqual([]);
  });

  // The Anthropic SDKs (and Claude Code) send anthropic-version and read every error on /v1/models in Anthropic's envelope.
  it.each(malformed)('GET /v1/models/{} with %s from an Anthropic client → 400 in Anthropic shape', async (escape) => {
    const response = await fetch(`${gateway.origin}/v1/models/key${escape}`, { headers: { 'x-api-key': masterKey, 'anthropic-version': '2023-06-01' } });
    const body = (await response.json()) as { type: string; error: { type: string; code: string; message: string } };
    expect(response.status).toBe(400);
    expect(body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', code: 'invalid_request' } });
    expect(body.error.message).toContain('percent-encoding');
  });

  it('still decodes a well-formed escape (an encoded slash in a model id)', async () => {
    const response = await fetch(`${gateway.origin}/v1/models/mock%2Fecho`, { headers: { authorization: `Bearer ${masterKey}` } });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { id: string }).id).toBe('mock/echo');
  });
});

describe('dashboard files that do not exist or may not be read', () => {
  it.each(['/dashboard/vendor/uplot/nope.js', '/dashboard/vendor/uplot/%E0', '/dashboard/vendor/uplot/..%2f..%2f..%2fpackage.json', '/dashboard/%E0', '/dashboard/..%2f..%2fpackage.json'])(
    'GET %s → a JSON 404, no stack and no file path',
    async (route) => {
      const logged = gateway.logLines.length;
      const response = await fetch(`${gateway.origin}${route}`);
      const text = await response.text();
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect((JSON.parse(text) as { error: { code: string } }).error.code).toBe('not_found');
      expect(text).not.toMatch(/node_modules|\/work\/|at [A-Za-z]+ \(|Error:/);
      expect(gateway.logLines.slice(logged).filter((line) => line.includes('"level":50'))).toEqual([]);
    },
  );

  it('still serves the chart library it vendors', async () => {
    const response = await fetch(`${gateway.origin}/dashboard/vendor/uplot/uPlot.iife.min.js`);
    expect(response.status).toBe(200);
  });
});
