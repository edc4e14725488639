import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCli } from './support/run-cli.js';

/** Resolves when the child's stdout contains `text` (checked on every write). */
function printed(child: Awaited<ReturnType<typeof startCli>>, text: string): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (!child.stdout().includes(text)) return;
      child.child.stdout.off('data', check);
      resolve();
    };
    child.child.stdout.on('data', check);
    check();
  });
}

describe('server.drain_delay_ms: after SIGTERM the port stays open a moment, refusing new requests with a retryable 503', () => {
  it('answers 503 shutting_down (OpenAI-shaped, Connection: close) during the delay, then exits 0', async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-drain-'));
    await writeFile(path.join(cwd, 'switchyard.config.yaml'), 'server:\n  data_dir: data\n  drain_delay_ms: 3000\nproviders:\n  mock: {}\n');
    const gateway = await startCli(['--port', '0'], { cwd, env: { SWITCHYARD_MASTER_KEY: 'sy-master-drain-delay-0123456789' } });
    const origin = /(http:\/\/127\.0\.0\.1:\d+)/.exec(gateway.stdout())![1]!;
    try {
      gateway.child.kill('SIGTERM');
      await printed(gateway, 'refusing new requests with 503');
      for (const route of ['/v1/chat/completions', '/health', '/admin/keys']) {
        const response = await fetch(`${origin}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        expect(response.status).toBe(503);
        expect(response.headers.get('connection')).toBe('close');
        expect(await response.json()).toEqual({ error: { message: expect.stringContaining('shutting down'), type: 'server_error', code: 'shutting_down', param: null } });
      }
      expect(await gateway.exited).toBe(0);
    } finally {
      if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
    }
  });
});
