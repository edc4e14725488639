// Where a streamed request's time to first byte goes at concurrency 1, split at the
// upstream: what a target does from reading the client's request to writing it upstream,
// and from reading the upstream's answer to writing the client's first bytes. Read from
// the system calls of each target's main thread (`strace -ttt`), so it needs no hook in
// the code measured and sees the bare proxy the same way as the gateways.
//   apt-get install strace && npm run build --silent && node bench/ttfb-phases.js
// BENCH_GATEWAYS (default `default,full`) and BENCH_REQUESTS (default 500) apply.
//
// strace stops the thread at every system call, so every phase reads slower than it runs
// unobserved: compare targets within one run, not with bench/run.js's TTFB.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireTool, runBenchMain, sleep } from './lib/children.js';
import { chatBody } from './lib/fixtures.js';
import { benchApiKey } from './lib/gateway-config.js';
import { preflight } from './lib/preflight.js';
import { percentile } from './lib/stats.js';
import { envNumber, readSettings } from './lib/settings.js';
import { startTargets } from './lib/targets.js';
import { measureTtfb } from './lib/ttfb.js';

const resultsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
const stamp = `ttfb-phases-${new Date().toISOString().replace(/[:.]/g, '-')}`;
const requests = envNumber('BENCH_REQUESTS', 500, { min: 50, integer: true });

/**
 * The phases of each request in one strace log of a target's main thread: the client's
 * request read (`read(fd, "POST …`), the request written upstream (`writev(…"POST …`),
 * the upstream's answer read (`read(…"HTTP/1.1 200…`) and the client's answer written
 * (`writev(…"HTTP/1.1 200…`), in that order; a request whose calls break the order is skipped.
 */
export function phasesOf(log) {
  const phases = { toUpstream: [], toClient: [] };
  let state = 'idle';
  let mark = 0;
  for (const line of log.split('\n')) {
    const at = Number(line.slice(0, line.indexOf(' ')));
    if (/^\S+ read\(\d+, "POST /.test(line)) {
      state = 'request read';
      mark = at;
    } else if (state === 'request read' && /^\S+ writev?\(\d+, (\[\{iov_base=)?"POST /.test(line)) {
      phases.toUpstream.push(at - mark);
      state = 'sent upstream';
    } else if (state === 'sent upstream' && /^\S+ read\(\d+, "HTTP\/1\.1 200/.test(line)) {
      state = 'answer read';
      mark = at;
    } else if (state === 'answer read' && /^\S+ writev?\(\d+, (\[\{iov_base=)?"HTTP\/1\.1 200/.test(line)) {
      phases.toClient.push(at - mark);
      state = 'idle';
    }
  }
  return phases;
}

/** Runs `requests` sequential streamed requests at `target` with strace on its main thread; resolves with the log's text. */
async function traced(target, body, logFile) {
  const strace = spawn('strace', ['-ttt', '-e', 'trace=read,write,writev', '-s', '32', '-o', logFile, '-p', String(target.child.pid)], { stdio: 'ignore' });
  // strace attaches asynchronously: a request sent before it has is simply not in the log.
  await sleep(500);
  await measureTtfb([target], { body, apiKey: benchApiKey, requests, warmup: 0 });
  strace.kill('SIGINT');
  await new Promise((resolve) => strace.once('exit', resolve));
  return readFileSync(logFile, 'utf8');
}

const ms = (seconds) => (seconds * 1e6).toFixed(0).padStart(8);

async function main() {
  requireTool('strace', '-V', 'apt-get install strace');
  const settings = readSettings({ defaultGateways: ['default', 'full'] });
  settings.gateways = settings.gateways.filter((name) => name !== 'workers');
  const workDir = path.join(resultsDir, stamp);
  mkdirSync(workDir, { recursive: true });
  const { targets } = await startTargets(settings, { resultsDir, stamp, allocDir: workDir });
  for (const target of targets) target.url = `http://127.0.0.1:${target.child.port}/v1/chat/completions`;
  const body = chatBody(true);
  await preflight(targets, { bodies: { streaming: body }, apiKey: benchApiKey });
  const measured = targets.filter((target) => target.name !== 'direct');
  // Warmed up first, untraced, so the traced requests run optimised code.
  await measureTtfb(measured, { body, apiKey: benchApiKey, requests: 1000, warmup: 0 });

  console.log(`\nstreamed requests at c1, ${requests} per target, main thread under strace (µs, median [p90])`);
  console.log(`${'target'.padEnd(24)} ${'request → upstream'.padStart(22)} ${'upstream → client'.padStart(22)} ${'both'.padStart(9)}  requests`);
  for (const target of measured) {
    const { toUpstream, toClient } = phasesOf(await traced(target, body, path.join(workDir, `${target.name}.strace`)));
    if (toUpstream.length === 0 || toClient.length === 0) throw new Error(`${target.label}: no request found in its strace log`);
    const sorted = (values) => [...values].sort((a, b) => a - b);
    const [up, client] = [sorted(toUpstream), sorted(toClient)];
    const cell = (values) => `${ms(percentile(values, 50))} [${ms(percentile(values, 90)).trim()}]`.padStart(22);
    console.log(
      `${target.label.padEnd(24)} ${cell(up)} ${cell(client)} ${ms(percentile(up, 50) + percentile(client, 50)).padStart(9)}  ${Math.min(up.length, client.length)}`,
    );
  }
  rmSync(workDir, { recursive: true, force: true });
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) runBenchMain(main);
