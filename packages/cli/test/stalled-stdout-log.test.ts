import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * stdout a pipe whose reader is alive but has stopped reading (a log shipper that stalls, a
 * `| less` left open): every line logged was kept in memory until the pipe took it, without
 * bound (sonic-boom's buffer for JSON, process.stdout's for pretty): 20 MB logged, 20 MB held,
 * and a gateway left running so grows until it is killed for its memory. Pending output is
 * now bounded; the lines past the bound are dropped and counted, and a warning says how many
 * once stdout takes lines again.
 */

const loggerEntry = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/create-cli-logger.js')).href;

/**
 * Logs `total` lines of ~1 KB in bursts (the event loop turns between them), says "logged" on
 * stderr, then a tick line every 50 ms until stdin ends, and how many ticks it logged.
 */
const script = (format: 'json' | 'pretty', total: number) => `
import { createCliLogger } from ${JSON.stringify(loggerEntry)};
const logger = await createCliLogger({ level: 'info', format: ${JSON.stringify(format)} });
const pad = 'p'.repeat(1000);
let n = 0;
const burst = () => {
  for (let i = 0; i < 500 && n < ${total}; i++, n++) logger.info({ n, pad }, 'numbered line');
  if (n < ${total}) return setImmediate(burst);
  process.stderr.write('logged\\n');
  let ticked = 0;
  const ticks = setInterval(() => { ticked++; logger.info('tick'); }, 50);
  process.stdin.once('end', () => {
    clearInterval(ticks);
    process.stderr.write('ticks ' + ticked + '\\n');
    logger.flush(() => process.exit(0));
  }).resume();
};
burst();
`;

const total = 20_000;

describe.each(['json', 'pretty'] as const)('log.format: %s with stdout not read', (format) => {
  it('holds a bounded amount, and says how many lines it dropped once stdout is read again', async () => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script(format, total)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let stderr = '';
    try {
      // stdout is not read until every line is logged.
      child.stdout.pause();
      await new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          if (stderr.includes('logged\n')) resolve();
        });
        void exited.then(() => reject(new Error(`ended early: ${stderr}`)));
      });
      let stdout = '';
      const notice = /(\d+) log lines? \((\d+) bytes\) dropped/g;
      // Read on until 30 ticks (1.5 s) follow the last notice: any drop not yet told would be by then.
      const settled = () => {
        const last = [...stdout.matchAll(notice)].at(-1);
        return last !== undefined && (stdout.slice(last.index).match(/"tick"|\btick\b/g) ?? []).length >= 30;
      };
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (settled()) resolve();
        });
        child.stdout.resume();
        void exited.then(() => reject(new Error(`ended without a drop notice: ${stderr}`)));
      });
      child.stdin.end();
      expect(await exited).toBe(0);
      const lines = stdout.split('\n');
      const received = lines.filter((line) => line.includes('numbered line')).length;
      const receivedTicks = lines.filter((line) => /"msg":"tick"|\btick$/.test(line)).length;
      const ticked = Number(/ticks (\d+)/.exec(stderr)![1]);
      const dropped = [...stdout.matchAll(notice)].reduce((sum, told) => sum + Number(told[1]), 0);
      expect(dropped).toBeGreaterThan(0);
      // Every line logged was written or counted as dropped (ticks dropped too while the pipe was full).
      expect(received + receivedTicks + dropped).toBe(total + ticked);
      // ~22 MB were logged; what was held (and then written) stayed near the bound.
      expect(Buffer.byteLength(stdout)).toBeLessThan(12 * 1024 * 1024);
      expect(stderr).toMatch(/^logged\nticks \d+\n$/);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
  }, 60_000);
});
