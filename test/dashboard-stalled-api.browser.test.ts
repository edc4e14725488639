import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findChromium } from '@switchyard/testing';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * The dashboard page when its API takes the request and never answers (a hung
 * gateway, a proxy holding the connection): a loopback front passes the page's
 * files through to a real gateway, and reads every API request without replying.
 */
const target = findChromium();
let gateway: TestGateway;
let front: Server;
let browser: Browser;
const held: ServerResponse[] = [];

function passOrHold(req: IncomingMessage, res: ServerResponse): void {
  if (req.url?.startsWith('/dashboard/api/')) {
    req.resume(); // read, never answer
    held.push(res);
    return;
  }
  const upstream = request(`${gateway.origin}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  req.pipe(upstream);
}

describe.skipIf(!target.available)('dashboard whose API never answers', () => {
  beforeAll(async () => {
    gateway = await startTestGateway({ server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-dashboard-stalled-')) }, storage: { use: 'sqlite' } });
    front = createServer(passOrHold).listen(0, '127.0.0.1');
    await once(front, 'listening');
    browser = await chromium.launch({ executablePath: target.available ? target.path : '', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    for (const res of held) res.destroy();
    front?.close();
    await gateway?.close();
  });

  it('says the gateway gave no answer within 15 s, rather than a bare "signal timed out"', async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(front.address() as AddressInfo).port}/dashboard/`);
    // The page's first call (its session) is held: the notice comes when api.js gives up on it.
    await expect.poll(() => page.locator('#notice').textContent(), { timeout: 40_000, interval: 200 }).not.toBe('');
    expect(held.length).toBeGreaterThan(0);
    expect(await page.locator('#notice').textContent()).toBe('Could not load: The gateway gave no answer within 15 s. It may be overloaded or stuck; try again.');
  }, 60_000);
});
