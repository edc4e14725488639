import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A body declared past the limit of the admin API (64 KiB) or the dashboard's login (4 KiB):
 * refused at once, as the model routes refuse theirs, not read to its end first (body-parser
 * reads a refused body whole before it answers, and with `Expect: 100-continue` invites it).
 * The login takes no key before its body, so that one was open to anyone.
 */
let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway(
    { server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-declared-size-')) }, providers: { mock: {} }, storage: { use: 'sqlite' } },
    { serverLimits: true },
  );
});
afterAll(() => gateway.close());

/** Sends `head` (no body follows) and resolves with what came back within `waitMs`, and whether the server closed. */
async function sendHead(head: string, waitMs = 3000): Promise<{ text: string; closed: boolean }> {
  const { port } = new URL(gateway.origin);
  const socket = connect(Number(port), '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => {});
  socket.write(head);
  const closed = await Promise.race([once(socket, 'close').then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), waitMs))]);
  socket.destroy();
  return { text, closed };
}

interface DeclaredSizeRoute {
  name: string;
  path: string;
  headers: Record<string, string>;
  /** How the 413 names the limit. */
  limit: string;
  withinLimit: { body: unknown; status: number };
}

const routes: DeclaredSizeRoute[] = [
  {
    name: 'admin API',
    path: '/admin/keys',
    headers: { authorization: `Bearer ${masterKey}` },
    limit: '65536 bytes',
    withinLimit: { body: { name: 'size-check' }, status: 201 },
  },
  {
    name: 'dashboard login',
    path: '/dashboard/api/session',
    headers: { 'x-switchyard-dashboard': '1' },
    limit: '4096 bytes',
    withinLimit: { body: { key: masterKey }, status: 200 },
  },
];

for (const route of routes) {
  describe(`${route.name}: a body declared larger than it reads`, () => {
    const headerLines = Object.entries(route.headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
    for (const expectContinue of [false, true]) {
      it(`→ 413 request_too_large at once, unread, connection closed${expectContinue ? '; no 100 Continue' : ''}`, async () => {
        const started = Date.now();
        const { text, closed } = await sendHead(
          `POST ${route.path} HTTP/1.1\r\nhost: x\r\n${headerLines}content-type: application/json\r\n` +
            `${expectContinue ? 'expect: 100-continue\r\n' : ''}content-length: 99999999\r\n\r\n`,
        );
        console.info(`${route.name}, declared 99,999,999 bytes${expectContinue ? ' with Expect' : ''}: ${JSON.stringify(text.slice(0, 40))} after ${Date.now() - started} ms, closed: ${closed}`);
        expect(text).not.toContain('100 Continue');
        expect(text.startsWith('HTTP/1.1 413 ')).toBe(true);
        expect(closed).toBe(true);
        const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { error: { code: string; message: string } };
        expect(body.error.code).toBe('request_too_large');
        expect(body.error.message).toContain(route.limit);
      });
    }

    it('a body within the limit is still read', async () => {
      const response = await fetch(`${gateway.origin}${route.path}`, {
        method: 'POST',
        headers: { ...route.headers, 'content-type': 'application/json' },
        body: JSON.stringify(route.withinLimit.body),
      });
      expect(response.status).toBe(route.withinLimit.status);
    });
  });
}
