import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** A running `switchyard start`, started by {@link spawnSwitchyard}. */
export interface SpawnedSwitchyard {
  /** `http://127.0.0.1:<port>`, read from the "switchyard listening on …" log line. */
  origin: string;
  child: ChildProcess;
  output(): string;
  /** SIGTERM, then waits for the exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Runs a command that starts a gateway (`node packages/cli/dist/bin.js start …` or
 * `npx switchyard start …`) and resolves when its log says where it listens, or
 * rejects with its output when it exits first. No polling: the log line is awaited.
 */
export function spawnSwitchyard(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<SpawnedSwitchyard> {
  const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = once(child, 'exit') as Promise<[number | null]>;
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /switchyard listening on (http:\/\/[\d.:[\]a-f]+)/.exec(output);
      if (!match) return;
      child.stdout!.off('data', onData);
      child.stdout!.on('data', (more: Buffer) => (output += more.toString()));
      resolve({
        origin: match[1]!,
        child,
        output: () => output,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          const [code] = await exited;
          return code;
        },
      });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    void exited.then(([code]) => reject(new Error(`switchyard exited (${code}) before it listened:\n${output}`)));
  });
}
