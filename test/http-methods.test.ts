import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import geminiIngress from '../examples/ingress-gemini/src/index.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// Every route the standalone gateway serves, with every method: a method the route does not
// define is 405 with `Allow` naming exactly the ones it does (GET/v1/responses/input_tokens was
// read as the stored response "input_tokens" and answered 404; PUT, OPTIONS, TRACE there were
// 404 too; no 405 said which methods would do), a path no route has is 404, HEAD on a GET route
// is answered as its GET without a body. Never a 500, never a hang.

let gateway: TestGateway;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-http-methods-'));
  gateway = await startTestGateway(
    { server: { data_dir: dataDir }, storage: { use: 'sqlite' }, providers: { mock: { models: ['echo'] } }, ingress: { gemini: {} }, metrics: { enabled: true } },
    { serverLimits: true, plugins: [geminiIngress] },
  );
});
afterAll(async () => {
  await gateway.close();
  await rm(dataDir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(method: string, route: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(gateway.origin + route, { method, agent: false, headers: { authorization: `Bearer ${masterKey}`, 'x-api-key': masterKey, 'x-switchyard-dashboard': '1' } });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // A CONNECT's answer comes as a tunnel: its head parsed, its body left on the socket, which then closes.
    req.on('connect', (res, socket, head: Buffer) => {
      const chunks = [head];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      socket.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const responseId = `resp_${'0'.repeat(48)}`;
/** Each route, and the methods it defines (HEAD goes with GET, as Express serves it). */
const routes: Array<[string, string[]]> = [
  ['/v1/chat/completions', ['POST']],
  ['/v1/embeddings', ['POST']],
  ['/v1/models', ['GET', 'HEAD']],
  ['/v1/models/mock/echo', ['GET', 'HEAD']],
  ['/v1/responses', ['POST']],
  [`/v1/responses/${responseId}`, ['GET', 'HEAD', 'DELETE']],
  [`/v1/responses/${responseId}/input_items`, ['GET', 'HEAD']],
  ['/v1/responses/input_tokens', ['POST']],
  ['/v1/messages', ['POST']],
  ['/v1/messages/count_tokens', ['POST']],
  ['/v1beta/models/echo:generateContent', ['POST']],
  ['/v1beta/models/echo:streamGenerateContent', ['POST']],
  ['/v1/me', ['GET', 'HEAD']],
  ['/admin/keys', ['GET', 'HEAD', 'POST']],
  ['/admin/keys/key_x', ['GET', 'HEAD', 'PATCH']],
  ['/admin/keys/key_x/revoke', ['POST']],
  ['/admin/keys/key_x/rotate', ['POST']],
  ['/admin/keys/key_x/audit', ['GET', 'HEAD']],
  ['/admin/usage', ['GET', 'HEAD']],
  ['/admin/requests', ['GET', 'HEAD']],
  ['/health', ['GET', 'HEAD']],
  ['/health/live', ['GET', 'HEAD']],
  ['/metrics', ['GET', 'HEAD']],
  ['/dashboard/api/session', ['GET', 'HEAD', 'POST', 'DELETE']],
  ['/dashboard/', ['GET', 'HEAD']],
  // The page's files: other methods passed the static handler by and ended in a 404.
  ['/dashboard/index.html', ['GET', 'HEAD']],
  ['/dashboard/app.js', ['GET', 'HEAD']],
  ['/dashboard/vendor/uplot/uPlot.min.css', ['GET', 'HEAD']],
];
// CONNECT too: answered outside the app (Node hands it over as a tunnel), it had a 405 with no Allow, in OpenAI's shape on every route.
const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'];

/** The dialects that answer in their own envelope; every other route answers in OpenAI's. */
function errorCodeOf(route: string, body: string): string | undefined {
  const parsed = JSON.parse(body) as { error?: { code?: string; type?: string; status?: string } };
  if (route.startsWith('/v1/messages')) return parsed.error?.type === 'invalid_request_error' ? 'method_not_allowed' : undefined;
  if (route.startsWith('/v1beta')) return parsed.error?.status !== undefined ? 'method_not_allowed' : undefined;
  return parsed.error?.code;
}

const refused = routes.flatMap(([route, allowed]) => methods.filter((method) => !allowed.includes(method)).map((method) => [method, route, allowed] as const));

describe('a method a route does not define', () => {
  it.each(refused)('%s %s → 405 with Allow', async (method, route, allowed) => {
    const answer = await send(method, route);
    expect(answer.status).toBe(405);
    const allow = String(answer.headers['allow'] ?? '').split(/,\s*/).filter(Boolean);
    expect(allow.sort()).toEqual([...allowed].sort());
    // An answer to HEAD has no body.
    if (method === 'HEAD') expect(answer.body).toBe('');
    else expect(errorCodeOf(route, answer.body)).toBe('method_not_allowed');
  });
});

describe('HEAD on a GET route', () => {
  it.each(routes.filter(([, allowed]) => allowed.includes('GET')).map(([route]) => route))('HEAD %s is answered as GET, without a body', async (route) => {
    const [get, head] = [await send('GET', route), await send('HEAD', route)];
    expect(get.status).toBeLessThan(500);
    expect(head.status).toBe(get.status);
    expect(head.body).toBe('');
  });
});

describe('a path no route has', () => {
  it.each([
    '/v1/nothing',
    '/v1/completions',
    `/v1/responses/${responseId}/cancel`,
    '/v1/responses/input_tokens/more',
    '/v1/messages/batches',
    '/v1beta/nothing',
    '/admin/nothing',
    '/dashboard/api/nothing',
  ])('%s → 404 whatever the method', async (route) => {
    for (const method of methods) {
      const answer = await send(method, route);
      expect([method, answer.status]).toEqual([method, 404]);
    }
  });
});

describe('a path under the Gemini prefix that no route has', () => {
  it.each(['/v1beta/models/echo:unknownMethod', '/v1beta/whatever', '/v1beta/models/echo'])('%s → 404 in Gemini\'s shape, naming the path', async (route) => {
    const answer = await send('POST', route);
    expect(answer.status).toBe(404);
    const parsed = JSON.parse(answer.body) as { error: { code: unknown; status: unknown; message: string } };
    expect([parsed.error.code, parsed.error.status]).toEqual([404, 'NOT_FOUND']);
    expect(parsed.error.message).toContain(route);
  });
});
