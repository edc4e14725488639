import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/run-cli.js';

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-config-pipe-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

let fifos = 0;

/** A named pipe in `cwd`, as `--config <(envsubst < template)` hands the CLI one. */
async function makeFifo(): Promise<string> {
  const name = `config-${++fifos}`;
  await promisify(execFile)('mkfifo', [path.join(cwd, name)]);
  return name;
}

/**
 * Writes `bytes` into the pipe and closes it; with `endless`, writes them again and again until
 * the reader closes its end (EPIPE). Resolves with how many bytes went in.
 */
async function feed(fifo: string, bytes: Buffer, endless = false): Promise<number> {
  const stream = createWriteStream(path.join(cwd, fifo));
  let written = 0;
  let closedByReader = false;
  stream.on('error', () => (closedByReader = true));
  do {
    written += bytes.length;
    if (!stream.write(bytes)) await new Promise((resolve) => ['drain', 'close'].forEach((event) => stream.once(event, resolve)));
  } while (endless && !closedByReader && !stream.destroyed);
  if (!stream.destroyed) {
    stream.end();
    await once(stream, 'close');
  }
  return written;
}

/*
 * A config given as a pipe (`--config <(envsubst < tpl)`, a FIFO) was read whole before its size
 * was looked at (the size check before the read is for files), so one that never ended
 * (`<(yes)`) filled the memory until the process died; and the UTF-8 check and the lines
 * problems point at read the pipe a second time, found it empty, and said nothing.
 */
describe('switchyard validate --config naming a pipe', () => {
  it('a pipe that never ends is read only past 1 MiB, then refused: exit 1', async () => {
    const fifo = await makeFifo();
    const [result, written] = await Promise.all([runCli(['validate', '--config', fifo], { cwd }), feed(fifo, Buffer.alloc(64 * 1024, 'a'), true)]);
    expect(result.stderr).toMatch(/cannot read config: .*a config file may be at most 1 MiB/);
    expect(result.code).toBe(1);
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });

  it('bytes that are not UTF-8: one problem saying so, exit 1', async () => {
    const fifo = await makeFifo();
    const [result] = await Promise.all([
      runCli(['validate', '--config', fifo], { cwd }),
      feed(fifo, Buffer.from('server:\n  host: "caf\xe9.internal"\n', 'latin1')),
    ]);
    expect(result.stderr).toMatch(/not UTF-8/);
    expect(result.code).toBe(1);
  });

  it('a problem points at its line, as in a file', async () => {
    const fifo = await makeFifo();
    const [result] = await Promise.all([runCli(['validate', '--config', fifo], { cwd }), feed(fifo, Buffer.from('server:\n  port: 4000\n  bogus: 1\n'))]);
    expect(result.stderr).toContain(`${fifo}:3 server.bogus: unknown key`);
    expect(result.code).toBe(1);
  });

  it('a config that is fine is valid, read once', async () => {
    const fifo = await makeFifo();
    const [result] = await Promise.all([runCli(['validate', '--config', fifo], { cwd }), feed(fifo, Buffer.from('server:\n  port: 4001\n'))]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`${fifo}: valid`);
    expect(result.code).toBe(0);
  });
});
