import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { childOutput, occurrences, processMarkers } from './support/marked-processes.js';
import { startCli } from './support/run-cli.js';

const masterKey = 'sy-master-file-gone-Jr4Kd8Wq2Zx6Mn1P';
const marked = processMarkers('SWITCHYARD_FILE_GONE_RUN');
afterEach(marked.killLeftovers);

const workerListening = 'switchyard listening on http';
const workerReplaced = 'a worker stopped unexpectedly; starting a replacement';

describe('switchyard start --workers 2: the SQLite file moved away while it runs, then a worker is replaced', () => {
  it('the replacement makes no empty database in its place: it fails to start until the file is back, then serves its keys', async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-workers-file-gone-'));
    await writeFile(path.join(cwd, 'switchyard.config.yaml'), 'server:\n  data_dir: data\nproviders:\n  mock: {}\nstorage:\n  use: sqlite\n');
    const env = marked.next();
    const gateway = await startCli(['--port', '0', '--workers', '2'], {
      cwd,
      env: { ...env, SWITCHYARD_MASTER_KEY: masterKey, SWITCHYARD_DEBUG_WORKER_HEADER: '1' },
      ready: 'with 2 workers',
      startTimeoutMs: 60_000,
    });
    const port = Number(/listening on port (\d+) with 2 workers/.exec(gateway.stdout())![1]);
    const base = `http://127.0.0.1:${port}`;
    const created = await fetch(`${base}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'kept' }),
    });
    expect(created.status).toBe(201);
    const { secret } = (await created.json()) as { secret: string };
    const chat = async () => {
      const response = await fetch(`${base}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ model: 'mock/echo', max_tokens: 3, messages: [{ role: 'user', content: 'hi' }] }),
      });
      await response.arrayBuffer();
      return `${response.status} from worker ${response.headers.get('x-switchyard-worker')}`;
    };
    expect(await chat()).toMatch(/^200 /);

    // The database (and its WAL) moved away while both workers run, then one worker dies.
    const data = path.join(cwd, 'data');
    const aside = path.join(cwd, 'aside');
    await mkdir(aside);
    const files = (await readdir(data)).filter((name) => name.startsWith('switchyard.db'));
    for (const name of files) await rename(path.join(data, name), path.join(aside, name));
    await childOutput(gateway.child, () => occurrences(gateway.stdout(), workerListening) >= 2, 'both workers to listen');
    const [victim] = marked.pids(env).filter((pid) => pid !== gateway.child.pid);
    process.kill(victim!, 'SIGKILL');

    // Its replacement either starts (on a new, empty database) or fails to start, and is replaced in turn, twice.
    await childOutput(
      gateway.child,
      () => occurrences(gateway.stdout(), workerListening) >= 3 || occurrences(gateway.stdout(), workerReplaced) >= 3,
      'the replacements to listen or to fail',
    );
    expect(existsSync(path.join(data, 'switchyard.db')), 'an empty database was made in place of the one moved away').toBe(false);
    expect(occurrences(gateway.stdout(), workerListening)).toBe(2);
    // Why, said once by the primary for every replacement failing alike (each worker printed it itself).
    const output = () => gateway.stdout() + gateway.stderr();
    expect(occurrences(output(), 'could not start: the')).toBe(1);
    expect(gateway.stdout()).toMatch(/a replacement worker could not start: [^"]*the database file was deleted or moved away while the gateway ran/);

    // Put back: a later replacement starts on it, and every worker knows the key again.
    for (const name of files) await rename(path.join(aside, name), path.join(data, name));
    await childOutput(gateway.child, () => occurrences(gateway.stdout(), workerListening) >= 3, 'a replacement to listen on the file put back');
    await childOutput(gateway.child, () => /a replacement worker started after \d+ failed attempts/.test(gateway.stdout()), 'the primary to count the failed attempts');
    expect(occurrences(output(), 'could not start: the')).toBe(1);
    const answers = new Set<string>();
    for (let i = 0; i < 6; i++) answers.add(await chat());
    expect([...answers].every((answer) => answer.startsWith('200 '))).toBe(true);
    expect(answers.size).toBe(2);

    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
    expect(marked.pids(env)).toEqual([]);
  }, 120_000);
});
