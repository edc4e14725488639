import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findChromium } from '@switchyard/testing';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * The dashboard page when its API, or the gateway's /health, takes the request and
 * never answers (a hung gateway, a proxy holding the connection), or a proxy answers
 * in the gateway's place: a loopback front passes everything else through to a real
 * gateway, reads each request `holds` picks without replying, and answers each one
 * `proxyAnswers` picks with a proxy's HTML 502.
 */
const target = findChromium();
let gateway: TestGateway;
let front: Server;
let browser: Browser;
const held: ServerResponse[] = [];
/** Which requests the front holds; each test sets it. */
let holds: (url: string) => boolean = () => false;
/** Which requests a proxy answers in the gateway's place; each test sets it. */
let proxyAnswers: (url: string) => boolean = () => false;

function passOrHold(req: IncomingMessage, res: ServerResponse): void {
  if (proxyAnswers(req.url ?? '')) {
    req.resume();
    res.writeHead(502, { 'content-type': 'text/html' }).end('<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>');
    return;
  }
  if (holds(req.url ?? '')) {
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

describe.skipIf(!target.available)('dashboard whose API or health check never answers, or is answered by a proxy', () => {
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
    holds = (url) => url.startsWith('/dashboard/api/');
    const page = await browser.newPage();
    // The page's clock (timers and AbortSignal.timeout included) runs as usual until fast-forwarded below.
    await page.clock.install();
    await page.goto(`http://127.0.0.1:${(front.address() as AddressInfo).port}/dashboard/`);
    // The page's first call (its session) is held …
    await expect.poll(() => held.some((res) => res.req.url?.startsWith('/dashboard/api/')), { timeout: 15_000 }).toBe(true);
    expect(await page.locator('#notice').textContent()).toBe('');
    // … until api.js's 15 s are up: the notice comes when it gives the call up.
    await page.clock.fastForward(15_000);
    await expect.poll(() => page.locator('#notice').textContent(), { timeout: 15_000 }).not.toBe('');
    expect(await page.locator('#notice').textContent()).toBe('Could not load: The gateway gave no answer within 15 s. It may be overloaded or stuck; try again.');
    await page.close();
  }, 60_000);

  it('the health panel says the gateway gave no answer within 10 s, rather than a bare "signal timed out"', async () => {
    holds = (url) => url === '/health';
    const page = await browser.newPage();
    // The page's clock (timers and AbortSignal.timeout included) runs as usual until fast-forwarded below.
    await page.clock.install();
    await page.goto(`http://127.0.0.1:${(front.address() as AddressInfo).port}/dashboard/`);
    await page.locator('#login-key').fill(masterKey);
    await page.getByRole('button', { name: 'Log in' }).click();
    // Logged in as the master key, the page reads /health once, and that call is held …
    await expect.poll(() => held.some((res) => res.req.url === '/health'), { timeout: 15_000 }).toBe(true);
    // … until the panel's 10 s are up.
    await page.clock.fastForward(10_000);
    const panel = page.locator('#health-body');
    await expect.poll(() => panel.textContent(), { timeout: 15_000 }).toMatch(/could not be read/);
    expect(await panel.textContent()).toBe('Health could not be read: The gateway gave no answer within 10 s. It may be overloaded or stuck; try again.');
    await page.close();
  }, 60_000);

  it("the health panel says a proxy's HTML 502 was not the gateway's JSON, rather than a bare JSON parse error", async () => {
    holds = () => false;
    proxyAnswers = (url) => url === '/health';
    const page = await browser.newPage();
    try {
      await page.goto(`http://127.0.0.1:${(front.address() as AddressInfo).port}/dashboard/`);
      await page.locator('#login-key').fill(masterKey);
      await page.getByRole('button', { name: 'Log in' }).click();
      const panel = page.locator('#health-body');
      await expect.poll(() => panel.textContent(), { timeout: 15_000 }).toMatch(/could not be read/);
      expect(await panel.textContent()).toBe(
        "Health could not be read: The answer (HTTP 502) was not the gateway's JSON: something in front of it, a proxy or a load balancer, may have answered instead.",
      );
    } finally {
      proxyAnswers = () => false;
      await page.close();
    }
  }, 60_000);

  it("an API call answered by a proxy's HTML 502 says it was not the gateway's JSON", async () => {
    holds = () => false;
    proxyAnswers = (url) => url.startsWith('/dashboard/api/');
    const page = await browser.newPage();
    try {
      await page.goto(`http://127.0.0.1:${(front.address() as AddressInfo).port}/dashboard/`);
      // The page's first call (its session) gets the proxy's page.
      await expect.poll(() => page.locator('#notice').textContent(), { timeout: 15_000 }).not.toBe('');
      expect(await page.locator('#notice').textContent()).toBe(
        "Could not load: The answer (HTTP 502) was not the gateway's JSON: something in front of it, a proxy or a load balancer, may have answered instead.",
      );
    } finally {
      proxyAnswers = () => false;
      await page.close();
    }
  }, 60_000);
});
