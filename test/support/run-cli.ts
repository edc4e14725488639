import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const cliPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../packages/cli/dist/bin.js');

function assertBuilt(): void {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` (npm test does it first).`);
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the switchyard binary to completion. One still running after `timeoutMs` (a command
 * that should have exited started serving instead) is killed and the call fails: it must
 * neither hang the test nor outlive it.
 */
export function runCli(
  args: string[],
  /** `as`: another user to run as (a test run by root, whom no file mode refuses). */
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number; as?: { uid: number; gid: number } },
): Promise<CliResult> {
  assertBuilt();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, ...options.as });
    let stdout = '';
    let stderr = '';
    const timeoutMs = options.timeoutMs ?? 20_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`switchyard ${args.join(' ')} was still running after ${timeoutMs} ms (killed); stderr: ${stderr.slice(-500)}`));
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface RunningCli {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/**
 * Starts `switchyard start` and resolves once it logs that it listens (`ready`:
 * another line to wait for, such as a cluster's "with 2 workers"; `startTimeoutMs`
 * for starts that fork processes).
 */
export async function startCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; ready?: string; startTimeoutMs?: number; nodeFlags?: string[] },
): Promise<RunningCli> {
  assertBuilt();
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), cliPath, 'start', ...args], { cwd: options.cwd, env: { ...process.env, ...options.env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  const ready = options.ready ?? 'switchyard listening';
  while (!stdout.includes(ready)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`switchyard did not start:\n${stderr}\n${stdout}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}
