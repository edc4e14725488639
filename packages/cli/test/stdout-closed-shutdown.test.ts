import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
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

/**
 * `head -n 3` that echoes each line as it reads it. The test learns from it that the gateway
 * listens (on a port of its own choosing: a port picked free beforehand can be taken by
 * another process before the gateway binds it); GNU head holds its output until it exits.
 */
const headScript = `
let seen = '';
let lines = 0;
process.stdin.on('data', (chunk) => {
  seen += chunk;
  for (let end = seen.indexOf('\\n'); end !== -1 && lines < 3; end = seen.indexOf('\\n')) {
    process.stdout.write(seen.slice(0, end + 1));
    seen = seen.slice(end + 1);
    if (++lines === 3) process.exit(0);
  }
});
`;

type Exit = { code: number | null; signal: NodeJS.Signals | null };

/** `switchyard start` as a child with a master key: how it exits, and what it wrote to stderr so far. */
function startCli(args: string[], options: { cwd: string; stdout: 'pipe' | Writable }) {
  const child = spawn(process.execPath, [cliPath, 'start', ...args], {
    cwd: options.cwd,
    env: { ...process.env, SWITCHYARD_MASTER_KEY: masterKey },
    stdio: ['ignore', options.stdout, 'pipe'],
  });
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { child, exited, stderr: () => stderr };
}

/** Signalled at `signalledAt`, it exits 0 within shutdown_timeout_ms and a margin, and says nothing on stderr. */
async function expectCleanExit(cli: ReturnType<typeof startCli>, signalledAt: number): Promise<void> {
  const bound = shutdownTimeoutMs + 3000;
  const outcome = await Promise.race([cli.exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), bound))]);
  expect(outcome).toEqual({ code: 0, signal: null });
  expect(performance.now() - signalledAt).toBeLessThan(bound);
  expect(cli.stderr()).toBe('');
}

/** After a test, pass or fail: a child still running is killed, and waited for. */
async function stopForGood(cli: ReturnType<typeof startCli>): Promise<void> {
  if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  await cli.exited;
}

describe('switchyard start | head -n 3', () => {
  it('exits 0 on SIGTERM once head is gone, within shutdown_timeout_ms', async () => {
    // head reads the migrations line, "listening" and "shutting down", then exits: the
    // pipe's only reader, and the last line ("stopped") is still to be written.
    const head = spawn(process.execPath, ['-e', headScript], { stdio: ['pipe', 'pipe', 'ignore'] });
    const cli = startCli(['--port', '0'], { cwd: await mkdtemp(path.join(cwd, 'head-')), stdout: head.stdin });
    const { child, exited } = cli;
    head.stdin.destroy();
    try {
      await new Promise<void>((resolve, reject) => {
        let echoed = '';
        head.stdout.on('data', (chunk: Buffer) => {
          echoed += chunk.toString();
          if (echoed.includes('switchyard listening')) resolve();
        });
        void exited.then(() => reject(new Error(`switchyard did not start:\n${cli.stderr()}`)));
      });
      const signalledAt = performance.now();
      child.kill('SIGTERM');
      await expectCleanExit(cli, signalledAt);
    } finally {
      if (head.exitCode === null && head.signalCode === null) head.kill('SIGKILL');
      await stopForGood(cli);
    }
  }, 30_000);
});

describe('switchyard start whose stdout reader has gone', () => {
  it('answers the stream in flight and exits 0 within shutdown_timeout_ms of SIGTERM', async () => {
    const cli = startCli(['--port', '0'], { cwd, stdout: 'pipe' });
    const { child, exited } = cli;
    const stdoutOf = child.stdout!;
    try {
      // As `| head -2` does: read up to the line wanted, then close the pipe's only reader.
      let stdout = '';
      const lineWith = (text: string) =>
        new Promise<string>((resolve, reject) => {
          const look = () => {
            const line = stdout.split('\n').find((candidate) => candidate.includes(text));
            if (line === undefined) return;
            stdoutOf.off('data', onData);
            resolve(line);
          };
          const onData = (chunk: Buffer) => {
            stdout += chunk.toString();
            look();
          };
          stdoutOf.on('data', onData);
          look();
          void exited.then(() => reject(new Error(`switchyard ended before logging ${text}:\n${cli.stderr()}\n${stdout}`)));
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
      const readUntilGone = lineWith('shutting down').then(() => stdoutOf.destroy());
      let text = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString();
      }
      expect(text).toContain('three');
      expect(text.trim().endsWith('data: [DONE]')).toBe(true);
      await readUntilGone;

      await expectCleanExit(cli, signalledAt);
    } finally {
      await stopForGood(cli);
    }
  }, 30_000);
});

describe('switchyard start whose stdout reader has stopped reading', () => {
  // Pretty: its lines wait in process.stdout, whose pending writes kept the process alive after the stop, for good.
  it.each(['json', 'pretty'] as const)('exits within shutdown_timeout_ms of SIGTERM though the pipe is full (log.format: %s)', async (format) => {
    const folder = await mkdtemp(path.join(cwd, `full-${format}-`));
    await writeFile(path.join(folder, 'switchyard.config.yaml'), `log:\n  format: ${format}\nserver:\n  shutdown_timeout_ms: ${shutdownTimeoutMs}\n`);
    const cli = startCli(['--port', '0'], { cwd: folder, stdout: 'pipe' });
    const { child, exited } = cli;
    const stdoutOf = child.stdout!;
    try {
      const listening = await new Promise<string>((resolve, reject) => {
        let stdout = '';
        const onData = (chunk: Buffer) => {
          stdout += chunk.toString();
          const line = stdout.split('\n').find((text) => text.includes('switchyard listening'));
          if (line === undefined) return;
          // From here on nothing reads the pipe: it fills, and the gateway's writes get EAGAIN.
          stdoutOf.off('data', onData);
          stdoutOf.pause();
          resolve(line);
        };
        stdoutOf.on('data', onData);
        void exited.then(() => reject(new Error(`switchyard ended early:\n${cli.stderr()}`)));
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
      await expectCleanExit(cli, signalledAt);
    } finally {
      await stopForGood(cli);
    }
  }, 60_000);
});

describe('switchyard start with log.format: pretty, whose stdout reader has gone', () => {
  it('keeps serving (it crashed on the EPIPE), and exits 0 on SIGTERM', async () => {
    const folder = await mkdtemp(path.join(cwd, 'pretty-'));
    await writeFile(path.join(folder, 'switchyard.config.yaml'), `log:\n  format: pretty\nserver:\n  shutdown_timeout_ms: ${shutdownTimeoutMs}\n`);
    const cli = startCli(['--port', '0'], { cwd: folder, stdout: 'pipe' });
    const { child, exited } = cli;
    const stdoutOf = child.stdout!;
    try {
      const listening = await new Promise<string>((resolve, reject) => {
        let stdout = '';
        stdoutOf.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const line = stdout.split('\n').find((text) => text.includes('switchyard listening'));
          if (line !== undefined) resolve(line);
        });
        void exited.then(() => reject(new Error(`switchyard ended early:\n${cli.stderr()}`)));
      });
      // Its read end closed ('close'), not a fixed wait: the gateway's next line meets EPIPE for sure.
      const readEndClosed = once(stdoutOf, 'close');
      stdoutOf.destroy();
      await readEndClosed;
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
      const signalledAt = performance.now();
      child.kill('SIGTERM');
      await expectCleanExit(cli, signalledAt);
    } finally {
      await stopForGood(cli);
    }
  }, 30_000);
});
