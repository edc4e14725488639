// Reads the allocation counters that bench/alloc-probe.js keeps inside each target
// process: signal, then wait for the probe's answer file to show a new sequence number.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sleep } from './children.js';

function readProbe(dir, pid) {
  const file = path.join(dir, `${pid}.json`);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Total JS-heap bytes allocated so far by the given processes (those that run the
 * probe; others are skipped — SIGUSR2 would end a Node process without a listener).
 * Resolves with { bytes, gcs, gcPauseUs, processes, usedHeapBytes } or undefined when no pid
 * carries the probe; `gcPauseUs` is main-thread time in GC pauses so far, `usedHeapBytes`
 * their live JS heap, measured right after a full GC.
 */
export async function allocatedBytes(pids, dir, timeoutMs = 5000) {
  const probed = pids.map((pid) => ({ pid, before: readProbe(dir, pid) })).filter((p) => p.before);
  if (probed.length === 0) return undefined;
  for (const { pid } of probed) process.kill(pid, 'SIGUSR2');
  let bytes = 0;
  let gcs = 0;
  let usedHeapBytes = 0;
  let gcPauseUs = 0;
  for (const { pid, before } of probed) {
    const deadline = Date.now() + timeoutMs;
    let now = readProbe(dir, pid);
    // The handler runs when the target's event loop next turns; under load that takes a moment.
    while (!(now && now.seq > before.seq)) {
      if (Date.now() > deadline) throw new Error(`allocation probe in pid ${pid} did not answer within ${timeoutMs} ms`);
      await sleep(10);
      now = readProbe(dir, pid);
    }
    bytes += now.allocatedBytes;
    gcs += now.gcs;
    usedHeapBytes += now.usedHeapBytes;
    gcPauseUs += now.gcPauseUs ?? NaN;
  }
  return { bytes, gcs, gcPauseUs, processes: probed.length, usedHeapBytes };
}
