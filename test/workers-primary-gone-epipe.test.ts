import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { processMarkers } from './support/marked-processes.js';
import { cliPath } from './support/run-cli.js';

const masterKey = 'sy-master-epipe-Vq3Lx9Tz2Kw7Rb5N';
const marked = processMarkers('SWITCHYARD_EPIPE_RUN');
afterEach(marked.killLeftovers);

/**
 * Preloaded into every process: worker 1, the moment its server listens, SIGKILLs its primary and
 * waits until it is gone, then sends on the channel as node:cluster's own messages are sent (no
 * callback: a listen's queryServer, a server's close), before its event loop has seen the channel
 * close. Such a write fails with EPIPE, an 'error' event on the worker.
 */
const preload = `
const cluster = require('node:cluster');
const net = require('node:net');
const fs = require('node:fs');
if (cluster.isWorker && cluster.worker.id === 1) {
  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = function (...args) {
    this.once('listening', () => {
      const primary = process.ppid;
      process.kill(primary, 'SIGKILL');
      for (;;) {
        let stat;
        try { stat = fs.readFileSync('/proc/' + primary + '/stat', 'utf8'); } catch { break; }
        if (/^\\d+ \\(.*\\) Z/.test(stat)) break;
      }
      for (let i = 0; i < 3; i++) process.send({ cmd: 'NODE_CLUSTER', act: 'preload-test', pad: 'x'.repeat(65536 * i) });
      net.createServer().listen(0, '127.0.0.1');
    });
    return listen.apply(this, args);
  };
}
`;

describe('start --workers: a primary that dies while a worker listens', () => {
  it("the worker's writes to the closed channel (EPIPE) print no stack: it drains and exits like its siblings", async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-epipe-'));
    await writeFile(path.join(cwd, 'switchyard.config.yaml'), 'storage:\n  use: sqlite\n');
    const preloadPath = path.join(cwd, 'kill-primary-at-listen.cjs');
    await writeFile(preloadPath, preload);
    const env = marked.next();
    const child = spawn(process.execPath, ['--require', preloadPath, cliPath, 'start', '--port', '0', '--workers', '2'], {
      cwd,
      env: { ...process.env, ...env, SWITCHYARD_MASTER_KEY: masterKey },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // The workers share the primary's pipes: they close once every worker has exited.
    await new Promise((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|ECONNRESET|\n\s+at /);
    expect(stderr).toBe('');
    expect(stdout).toContain('"msg":"stopped"');
    expect(marked.pids(env)).toEqual([]);
  }, 60_000);
});
