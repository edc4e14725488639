import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** A running server, started by {@link spawnSwitchyard}. */
export interface SpawnedSwitchyard {
  /** `http://127.0.0.1:<port>`, read from the "listening on http://…" line it prints. */
  origin: string;
  child: ChildProcess;
  output(): string;
  /** SIGTERM, then waits for the exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Runs a command that starts a gateway (`node packages/cli/dist/bin.js start …`,
 * `npx switchyard start …`, a script that prints `listening on http://…`) and
 * resolves when its output says where it listens, or rejects with its output when
 * it exits first. No polling: the line is awaited. The command runs in its own
 * process group, so `stop()` reaches the server behind a wrapper such as npx.
 */
export function spawnSwitchyard(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; startTimeoutMs?: number },
): Promise<SpawnedSwitchyard> {
  const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const exited = once(child, 'exit') as Promise<[number | null]>;
  return new Promise((resolve, reject) => {
    // A server that never says where it listens is stopped, not left behind.
    const deadline = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(new Error(`no "listening on" line within ${options.startTimeoutMs ?? 30_000} ms:\n${output}`));
    }, options.startTimeoutMs ?? 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[\d.:[\]a-f]+)/.exec(output);
      if (!match) return;
      clearTimeout(deadline);
      child.stdout!.off('data', onData);
      child.stdout!.on('data', (more: Buffer) => (output += more.toString()));
      resolve({
        origin: match[1]!,
        child,
        output: () => output,
        async stop() {
          // The whole group: npx would otherwise leave the node process behind it running.
          if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGTERM');
          const [code] = await exited;
          return code;
        },
      });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    void exited.then(([code]) => {
      clearTimeout(deadline);
      reject(new Error(`switchyard exited (${code}) before it listened:\n${output}`));
    });
  });
}
