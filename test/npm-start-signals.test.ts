import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * `npm start` as the README has it, the root package.json's script run by npm itself (npm 11
 * passes a SIGINT or SIGTERM it receives on to the script's process alone, not to its group).
 * The script ran under `sh -c`, which died of the signal without passing it on: npm exited and
 * scripts/start.js and the gateway went on serving, children of PID 1. Only a terminal's Ctrl-C,
 * sent to the whole group, stopped them.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const masterKey = 'sy-master-npm-start-0123456789abcdef';
// npm's own settings from a test run started by npm would steer the npm started here.
const env = { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_'))), SWITCHYARD_MASTER_KEY: masterKey };

/** Processes whose command line names `marker` (the test's own temp folder). */
async function processesNaming(marker: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (command.includes(marker)) found.push(`${pid}: ${command.replaceAll('\0', ' ')}`);
  }
  return found;
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

const started: string[] = [];
// A failing run leaves its processes behind: ended here, by their ids, so none outlives the test.
afterEach(async () => {
  for (const dir of started.splice(0)) {
    for (const line of await processesNaming(dir)) process.kill(Number(line.split(':')[0]), 'SIGKILL');
  }
});

/** `npm start` from the repository with a config of a temp folder (its data there, port 0). */
async function npmStart() {
  const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-npm-start-'));
  started.push(dir);
  const config = path.join(dir, 'switchyard.config.yaml');
  await writeFile(config, `server:\n  data_dir: ${JSON.stringify(path.join(dir, 'data'))}\n`);
  const npm = spawn('npm', ['--prefix', root, 'start', '--', '--config', config, '--port', '0'], { cwd: dir, env });
  let stdout = '';
  let stderr = '';
  npm.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'exit', not 'close': a process left running holds npm's stdout open, and 'close' would wait for it.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => npm.on('exit', (code, signal) => resolve({ code, signal })));
  const closed = new Promise((resolve) => npm.on('close', resolve));
  const output = () => `${stderr}\n${stdout}`;
  const printed = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const look = () => {
        const match = (stdout + stderr).match(pattern);
        if (match) resolve(match);
      };
      npm.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        look();
      });
      npm.stderr.on('data', look);
      void exited.then(() => reject(new Error(`npm start ended early:\n${output()}`)));
    });
  return { dir, npm, exited, closed, printed, output, stdout: () => stdout };
}

describe.skipIf(!existsSync('/proc/self/cmdline'))('npm start: a signal to the npm process stops everything it started', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s to npm alone: the gateway drains and stops, npm exits 0, nothing is left running', async (signal) => {
    const run = await npmStart();
    const [, port] = await run.printed(/switchyard listening on http:\/\/127\.0\.0\.1:(\d+)/);
    run.npm.kill(signal);
    expect(await run.exited, run.output()).toEqual({ code: 0, signal: null });
    expect(await processesNaming(run.dir)).toEqual([]);
    await run.closed;
    expect(run.stdout()).toContain('"msg":"stopped"');
    expect(await refusesConnections(Number(port))).toBe(true);
  }, 120_000);

  it('SIGTERM to npm while it builds: the build is stopped, npm ends by the signal, nothing is left running', async () => {
    const run = await npmStart();
    await run.printed(/switchyard: building/);
    run.npm.kill('SIGTERM');
    const { code, signal } = await run.exited;
    // The build (tsc -b of an up-to-date tree) may just have finished: then the gateway, started, is stopped instead.
    expect(signal === 'SIGTERM' || code === 0, run.output()).toBe(true);
    expect(await processesNaming(run.dir)).toEqual([]);
    expect(await processesNaming(path.join(root, 'node_modules/typescript/bin/tsc'))).toEqual([]);
  }, 120_000);
});
