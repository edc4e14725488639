import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from './support/run-cli.js';

async function folderWith(files: Record<string, string> = {}): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), 'switchyard-cli-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(folder, name), text);
  return folder;
}

const masterKey = 'sy-master-cli-test-0123456789abcdef';

describe('switchyard validate', () => {
  it('reports each problem on one line with file, line, path and expectation, and exits non-zero', async () => {
    const cwd = await folderWith({
      'bad.yaml': [
        'server:',
        '  port: 99999',
        'providers:',
        '  openai:',
        '    api_key: 12',
        '    base_url: ftp://example.com',
        '    temperature: 1',
        '  ghost: {}',
        'chain:',
        '  - auth',
        '  - adapter',
        '  - route',
      ].join('\n'),
    });
    const result = await runCli(['validate', '--config', 'bad.yaml'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toBe('switchyard: the configuration has 6 problems:');
    expect(lines.slice(1).map((line) => line.trim())).toEqual([
      'bad.yaml:2 server.port: must be <= 65535',
      'bad.yaml:5 providers.openai.api_key: expected string',
      'bad.yaml:6 providers.openai.base_url: must match pattern "^https?://"',
      'bad.yaml:7 providers.openai.temperature: unknown key (not allowed here)',
      "bad.yaml:8 providers.ghost: no provider plugin 'ghost' (looked for the package @switchyard/provider-ghost; is it installed?)",
      "bad.yaml:11 chain[1]: the 'adapter' step must come last",
    ]);
    expect(result.stderr).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
  });

  it('accepts a good file and says what it found', async () => {
    const cwd = await folderWith({
      'switchyard.config.yaml': 'providers:\n  mock: {}\n  openai:\n    api_key: ${OPENAI_API_KEY:-sk-none}\nmodels:\n  fast: mock/echo\n',
    });
    const result = await runCli(['validate'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('switchyard.config.yaml: valid — providers: mock, openai; chain: auth → key-scope → rate-limit → circuit-breaker → route → adapter\n');
  });
});

describe('switchyard start', () => {
  it('generates a master key once, stores it with mode 0600, and answers with it', async () => {
    const cwd = await folderWith();
    const first = await startCli(['--port', '0'], { cwd, env: { SWITCHYARD_MASTER_KEY: '' } });
    const keyFile = path.join(cwd, '.switchyard', 'master-key');
    const key = (await readFile(keyFile, 'utf8')).trim();
    expect(key).toMatch(/^sy-master-[\w-]{32}$/);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(first.stderr()).toContain(key);
    expect(first.stdout()).not.toContain(key);
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(first.stdout())![1]);
    const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = await startCli(['--port', '0'], { cwd, env: { SWITCHYARD_MASTER_KEY: '' } });
    expect(second.stderr()).not.toContain(key);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('on SIGTERM stops taking new requests but lets a stream in flight finish', async () => {
    const cwd = await folderWith({ 'switchyard.config.yaml': 'providers:\n  mock:\n    chunk_delay_ms: 60\n' });
    const gateway = await startCli(['--port', '0'], { cwd, env: { SWITCHYARD_MASTER_KEY: masterKey } });
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(gateway.stdout())![1]);
    const words = Array.from({ length: 12 }, (_, index) => `w${index}`).join(' ');
    const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}` },
      body: JSON.stringify({ model: 'mock/echo', stream: true, messages: [{ role: 'user', content: words }] }),
    });
    const reader = response.body!.getReader();
    await reader.read(); // the stream has begun
    gateway.child.kill('SIGTERM');
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
    expect(text.trim().endsWith('data: [DONE]')).toBe(true);
    expect(text).toContain('w11');
    expect(await gateway.exited).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    expect(gateway.stdout()).toContain('shutting down');
  });

  it('refuses a bad config without a stack trace', async () => {
    const cwd = await folderWith({ 'switchyard.config.yaml': 'providers:\n  mock:\n    latency_ms: soon\n' });
    const result = await runCli(['start', '--port', '0'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'switchyard: the configuration has 1 problem:',
      '  switchyard.config.yaml:3 providers.mock.latency_ms: expected integer',
    ]);
  });
});
