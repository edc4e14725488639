import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * The lines pending at exit are written by sonic-boom's flushSync (pino's exit handler),
 * which retried a write failing with anything but EAGAIN every 100 ms, for ever: with stdout
 * a pipe whose reader had gone (EPIPE), a process that logged a line and exited hung in its
 * 'exit' handler, deaf to every signal but SIGKILL. (packages/cli/test/stdout-closed-shutdown
 * meets it through `switchyard start | head`, where it depends on when head goes.)
 */

const coreEntry = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/index.js')).href;

const script = `
import { createLogger } from ${JSON.stringify(coreEntry)};
const logger = createLogger();
logger.info('first line');
logger.flush();
process.stdin.once('data', () => {
  logger.info('a line still pending at exit');
  process.exit(0);
});
`;

describe("createLogger's exit flush", () => {
  it('gives up a line the closed stdout cannot take, and the process exits', async () => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes('first line')) resolve();
        });
        void exited.then(() => reject(new Error(`ended early: ${stderr}`)));
      });
      // 'close' comes once the pipe's read end is closed: from then on the child's write fails
      // (a fixed wait could end first, and the line would go into the pipe unnoticed).
      const readEndClosed = once(child.stdout, 'close');
      child.stdout.destroy();
      await readEndClosed;
      child.stdin.write('exit\n');
      const outcome = await Promise.race([exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 3000))]);
      expect(outcome).toEqual({ code: 0, signal: null });
      expect(stderr).toBe('');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
  });
});
