// Runs wrk with bench/post.lua and returns the exact numbers its done() hook prints.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild } from './children.js';

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'post.lua');

/** Fails early with the install hint instead of halfway through the run. */
export function assertWrkInstalled() {
  const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (probe.error) {
    throw Object.assign(new Error('wrk is not installed. Install it with:\n\n  apt-get install wrk\n'), { hint: true });
  }
  return (probe.stdout || probe.stderr).split('\n')[0].trim();
}

/**
 * One wrk run (`unique`: a different user message in every request, see post.lua). Resolves with { requests, durationUs, rps, errors, latencyUs }.
 * wrk is killed if it overruns its duration by 15 s, so a wedged target cannot hang the bench.
 */
export async function runWrk({ url, bodyFile, apiKey, connections, threads, seconds, unique = false }) {
  const args = [
    `-t${Math.min(threads, connections)}`,
    `-c${connections}`,
    `-d${seconds}s`,
    '--timeout', '5s',
    '--latency',
    '-s', script,
    url,
  ];
  const child = startChild('wrk', 'wrk', args, { env: { BENCH_BODY_FILE: bodyFile, BENCH_API_KEY: apiKey, BENCH_UNIQUE: unique ? '1' : '0' } });
  let output = '';
  child.proc.stdout.on('data', (chunk) => {
    output += chunk.toString('utf8');
  });
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), (seconds + 15) * 1000);
  const exit = await child.exited;
  clearTimeout(timer);
  const line = output.split('\n').find((l) => l.startsWith('BENCH_JSON '));
  if (exit.code !== 0 || !line) {
    const how = exit.error ? exit.error.message : `code ${exit.code}, signal ${exit.signal}`;
    throw new Error(`wrk failed against ${url} (${how})\n${output}\n${child.stderrTail}`);
  }
  const result = JSON.parse(line.slice('BENCH_JSON '.length));
  return {
    requests: result.requests,
    durationUs: result.duration_us,
    rps: result.requests / (result.duration_us / 1e6),
    bytes: result.bytes,
    errors: result.errors,
    latencyUs: result.latency_us,
  };
}
