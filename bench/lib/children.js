// Starts the benchmark's child processes and guarantees none outlives the run,
// whether it ends normally, throws, or is interrupted with Ctrl-C.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';

const live = new Set();

// Last line of defence: 'exit' handlers must be synchronous, so SIGKILL whatever is left.
process.on('exit', () => {
  for (const child of live) child.proc.kill('SIGKILL');
});

/**
 * Spawns a child and tracks it. `stdout` is 'pipe', 'ignore' or a file descriptor.
 * An exit nobody asked for is remembered so the orchestrator can fail loudly.
 */
export function startChild(name, command, args, { env = {}, stdout = 'pipe', stderr = 'pipe' } = {}) {
  const proc = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', stdout, stderr] });
  const child = { name, proc, pid: proc.pid, stopping: false, exit: undefined, stderrTail: '' };
  live.add(child);
  // Keep only the end of stderr: enough to explain a crash, bounded in memory.
  proc.stderr?.on('data', (chunk) => {
    child.stderrTail = (child.stderrTail + chunk.toString('utf8')).slice(-4000);
  });
  child.exited = new Promise((resolve) => {
    proc.once('exit', (code, signal) => {
      live.delete(child);
      child.exit = { code, signal };
      resolve(child.exit);
    });
    proc.once('error', (error) => {
      live.delete(child);
      child.exit = { code: null, signal: null, error };
      resolve(child.exit);
    });
  });
  return child;
}

/** Throws if a child died without being asked to: every number after that is meaningless. */
export function assertRunning(children) {
  for (const child of children) {
    if (child.exit && !child.stopping) {
      const { error, code, signal } = child.exit;
      const how = error
        ? error.message
        : signal
          ? `killed by ${signal}, which this bench did not send: another process?`
          : code === 0
            ? 'a clean shutdown this bench did not ask for: did another process send it SIGTERM?'
            : `exit code ${code}`;
      throw new Error(`${child.name} (pid ${child.pid}) exited unexpectedly (${how})\n${child.stderrTail}`);
    }
  }
}

/** Resolves with the port a child prints as `listening <port>`, or fails after the deadline. */
export async function waitForListening(child, timeoutMs = 15_000) {
  let buffered = '';
  let onData;
  const found = new Promise((resolve) => {
    onData = (chunk) => {
      buffered = (buffered + chunk.toString('utf8')).slice(-4000);
      const match = /^listening (\d+)$/m.exec(buffered);
      if (match) resolve(Number(match[1]));
    };
    child.proc.stdout.on('data', onData);
  });
  try {
    return await raceReadiness(child, found, timeoutMs);
  } finally {
    child.proc.stdout.off('data', onData);
    // Nothing else is printed, but keep the pipe drained so the child can never block on it.
    child.proc.stdout.resume();
  }
}

/** Polls `url` until it answers 200; bounded by the deadline. */
export async function waitForHttp(child, url, timeoutMs = 15_000) {
  const ready = (async () => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !child.exit) {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
        await response.arrayBuffer();
        if (response.ok) return true;
      } catch {
        // Not listening yet.
      }
      await sleep(100);
    }
    return false;
  })();
  const ok = await raceReadiness(child, ready, timeoutMs + 1000);
  if (!ok) throw new Error(`${child.name} did not become ready at ${url}\n${child.stderrTail}`);
}

async function raceReadiness(child, ready, timeoutMs) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${child.name} not ready after ${timeoutMs} ms\n${child.stderrTail}`)), timeoutMs);
  });
  const died = child.exited.then((exit) => {
    throw new Error(`${child.name} exited during start-up (code ${exit.code}, signal ${exit.signal})\n${child.stderrTail}`);
  });
  try {
    return await Promise.race([ready, timeout, died]);
  } finally {
    clearTimeout(timer);
    died.catch(() => {});
  }
}

/** SIGTERM, then SIGKILL whatever has not exited within the grace period. */
export async function stopChild(child, graceMs = 5000) {
  child.stopping = true;
  if (child.exit) return child.exit;
  child.proc.kill('SIGTERM');
  let timer;
  const timedOut = new Promise((resolve) => {
    timer = setTimeout(() => resolve('timeout'), graceMs);
  });
  const result = await Promise.race([child.exited, timedOut]);
  clearTimeout(timer);
  if (result === 'timeout') {
    child.proc.kill('SIGKILL');
    return child.exited;
  }
  return result;
}

export async function stopAll(graceMs = 5000) {
  await Promise.all([...live].map((child) => stopChild(child, graceMs)));
}

/** A loopback port that was free a moment ago (for children that cannot report their own). */
export async function freePort() {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs a bench script's `main` (resolving with an exit code) and stops every child
 * process however it ends: done, failed, or interrupted by Ctrl-C or a kill (then
 * the children die under us, which is not worth a stack trace).
 */
export function runBenchMain(main) {
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      interrupted = true;
      console.error(`\n${signal}: stopping child processes`);
      stopAll(2000).finally(() => process.exit(130));
    });
  }
  main().then(
    (code) => stopAll().then(() => process.exit(code)),
    (error) => {
      if (interrupted) return;
      console.error(error.hint ? error.message : `bench failed: ${error.stack ?? error}`);
      stopAll(2000).finally(() => process.exit(1));
    },
  );
}

/** Fails with an install hint (no stack trace) unless `command` runs: a tool a bench script needs besides node. */
export function requireTool(command, versionFlag, hint) {
  try {
    execFileSync(command, [versionFlag], { stdio: 'ignore' });
  } catch {
    throw Object.assign(new Error(`${command} is not installed: ${hint}`), { hint: true });
  }
}
