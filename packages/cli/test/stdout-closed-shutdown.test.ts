import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath } from '../../../test/support/run-cli.js';

/*
 * `switchyard start | head -2`: once head has its lines and exits, stdout is a pipe with no
 * reader. On SIGTERM the gateway logged "shutting down", drained, and then hung for good
 * (only kill -9 ended it): at exit pino flushes its last lines with sonic-boom's flushSync,
 * which retries a write that fails with anything but EAGAIN every 100 ms, for ever, and
 * a write to a pipe without a reader fails with EPIPE each time. (Only when head goes after the
 * last write the gateway makes before exit, a matter of milliseconds: it hung in 4 of 4 runs, then
 * in 1 of 3; packages/core/test/logger-exit-flush.test.ts meets the cause every time.)
 */

const masterKey = 'sy-master-stdout-closed-0123456789';
const shutdownTimeoutMs = 2000;
let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-stdout-closed-'));
  await writeFile(
    path.join(cwd, 'switchyard.config.yaml'),
    `server:\n  shutdown_timeout_ms: ${shutdownTimeoutMs}\nproviders:\n  mock:\n    chunk_delay_ms: 60\n`,
  );
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

/** A port free right now, for a gateway whose stdout the test cannot read. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('switchyard start | head -n 3', () => {
  it('exits 0 on SIGTERM once head is gone, within shutdown_timeout_ms', async () => {
    const port = await freePort();
    // head reads the migrations line, "listening" and "shutting down", then exits: the
    // pipe's only reader, and the last line ("stopped") is still to be written.
    const head = spawn('head', ['-n', '3'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const child = spawn(process.execPath, [cliPath, 'start', '--port', String(port)], {
      cwd: await mkdtemp(path.join(cwd, 'head-')),
      env: { ...process.env, SWITCHYARD_MASTER_KEY: masterKey },
      stdio: ['ignore', head.stdin, 'pipe'],
    });
    head.stdin.destroy();
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      for (const deadline = Date.now() + 15_000; ; ) {
        // A connection, not a request: a request would log a line, and head must read "shutting down".
        const accepted = await new Promise<boolean>((resolve) => {
          const socket = connect(port, '127.0.0.1', () => {
            socket.destroy();
            resolve(true);
          }).on('error', () => resolve(false));
        });
        if (accepted) break;
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`switchyard did not start:\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const signalledAt = performance.now();
      child.kill('SIGTERM');
      const bound = shutdownTimeoutMs + 3000;
      const outcome = await Promise.race([exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), bound))]);
      expect(outcome).toEqual({ code: 0, signal: null });
      expect(performance.now() - signalledAt).toBeLessThan(bound);
      expect(stderr).toBe('');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      if (head.exitCode === null && head.signalCode === null) head.kill('SIGKILL');
      await exited;
    }
  }, 30_000);
});

describe('switchyard start whose stdout reader has gone', () => {
  it('answers the stream in flight and exits 0 within shutdown_timeout_ms of SIGTERM', async () => {
    const child = spawn(process.execPath, [cliPath, 'start', '--port', '0'], {
      cwd,
      env: { ...process.env, SWITCHYARD_MASTER_KEY: masterKey },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      // As `| head -2` does: read up to the line wanted, then close the pipe's only reader.
      let stdout = '';
      const lineWith = (text: string) =>
        new Promise<string>((resolve, reject) => {
          const look = () => {
            const line = stdout.split('\n').find((candidate) => candidate.includes(text));
            if (line === undefined) return;
            child.stdout.off('data', onData);
            resolve(line);
          };
          const onData = (chunk: Buffer) => {
            stdout += chunk.toString();
            look();
          };
          child.stdout.on('data', onData);
          look();
          void exited.then(() => reject(new Error(`switchyard ended before logging ${text}:\n${stderr}\n${stdout}`)));
        });
      const port = Number(/127\.0\.0\.1:(\d+)/.exec(await lineWith('switchyard listening'))![1]);

      const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'mock/echo', stream: true, messages: [{ role: 'user', content: 'one two three' }] }),
      });
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      await reader.read(); // the stream has begun
      const signalledAt = performance.now();
      child.kill('SIGTERM');
      // The reader goes once it has "shutting down": the gateway's last lines ("stopped") are
      // still to be written when it exits.
      const readUntilGone = lineWith('shutting down').then(() => child.stdout.destroy());
      let text = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString();
      }
      expect(text).toContain('three');
      expect(text.trim().endsWith('data: [DONE]')).toBe(true);
      await readUntilGone;

      const bound = shutdownTimeoutMs + 3000;
      const outcome = await Promise.race([exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), bound))]);
      expect(outcome).toEqual({ code: 0, signal: null });
      expect(performance.now() - signalledAt).toBeLessThan(bound);
      expect(stderr).toBe('');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
  }, 30_000);
});

describe('switchyard start whose stdout reader has stopped reading', () => {
  it('exits within shutdown_timeout_ms of SIGTERM though the pipe is full', async () => {
    const child = spawn(process.execPath, [cliPath, 'start', '--port', '0'], {
      cwd,
      env: { ...process.env, SWITCHYARD_MASTER_KEY: masterKey },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const listening = await new Promise<string>((resolve, reject) => {
        let stdout = '';
        const onData = (chunk: Buffer) => {
          stdout += chunk.toString();
          const line = stdout.split('\n').find((text) => text.includes('switchyard listening'));
          if (line === undefined) return;
          // From here on nothing reads the pipe: it fills, and the gateway's writes get EAGAIN.
          child.stdout.off('data', onData);
          child.stdout.pause();
          resolve(line);
        };
        child.stdout.on('data', onData);
        void exited.then(() => reject(new Error(`switchyard ended early:\n${stderr}`)));
      });
      const port = Number(/127\.0\.0\.1:(\d+)/.exec(listening)![1]);
      // One log line each, some 400 bytes: 600 KB, well past what the socket pair between the
      // processes and the test's paused stream hold.
      const call = () =>
        fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'x'.repeat(10) }] }),
        }).then((response) => response.status);
      for (let batch = 0; batch < 75; batch++) {
        expect(await Promise.all(Array.from({ length: 20 }, call))).toEqual(Array(20).fill(200));
      }
      const signalledAt = performance.now();
      child.kill('SIGTERM');
      const bound = shutdownTimeoutMs + 3000;
      const outcome = await Promise.race([exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), bound))]);
      expect(outcome).toEqual({ code: 0, signal: null });
      expect(performance.now() - signalledAt).toBeLessThan(bound);
      expect(stderr).toBe('');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
  }, 60_000);
});

describe('switchyard start with log.format: pretty, whose stdout reader has gone', () => {
  it('keeps serving (it crashed on the EPIPE), and exits 0 on SIGTERM', async () => {
    const folder = await mkdtemp(path.join(cwd, 'pretty-'));
    await writeFile(path.join(folder, 'switchyard.config.yaml'), `log:\n  format: pretty\nserver:\n  shutdown_timeout_ms: ${shutdownTimeoutMs}\n`);
    const child = spawn(process.execPath, [cliPath, 'start', '--port', '0'], {
      cwd: folder,
      env: { ...process.env, SWITCHYARD_MASTER_KEY: masterKey },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const listening = await new Promise<string>((resolve, reject) => {
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const line = stdout.split('\n').find((text) => text.includes('switchyard listening'));
          if (line !== undefined) resolve(line);
        });
        void exited.then(() => reject(new Error(`switchyard ended early:\n${stderr}`)));
      });
      child.stdout.destroy();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const port = Number(/127\.0\.0\.1:(\d+)/.exec(listening)![1]);
      for (let call = 0; call < 3; call++) {
        const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }),
        });
        expect(response.status).toBe(200);
        // Its line is written after the answer: the next call finds the gateway still there.
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(child.exitCode).toBe(null);
      child.kill('SIGTERM');
      const bound = shutdownTimeoutMs + 3000;
      const outcome = await Promise.race([exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), bound))]);
      expect(outcome).toEqual({ code: 0, signal: null });
      expect(stderr).toBe('');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
  }, 30_000);
});
