// Preloaded into a target by bench/memory-breakdown.js (`node --import bench/memory-probe.js …`)
// to see where its resident memory sits. Node passes `--import` on to worker threads, so
// it runs in the main thread and in every worker (the SQLite worker is its own V8 isolate
// with its own heap, which process.memoryUsage() in the main thread does not show).
//
// Every thread writes its V8 heap, space by space (committed physical bytes and live
// bytes), every 100 ms to $BENCH_MEMORY_DIR/<pid>-<threadId>.json (written aside, then
// renamed, so a reader never sees half a file). The main thread adds process-wide
// figures: RSS, ArrayBuffer/Buffer memory and external memory. The reader
// (memory-breakdown.js) keeps the files it saw at the moment of the peak RSS.
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { isMainThread, threadId } from 'node:worker_threads';

const dir = process.env.BENCH_MEMORY_DIR;
const intervalMs = 100;

if (dir) {
  const file = path.join(dir, `${process.pid}-${threadId}.json`);
  const write = () => {
    const heap = v8.getHeapStatistics();
    const spaces = {};
    for (const space of v8.getHeapSpaceStatistics()) {
      spaces[space.space_name] = { physical: space.physical_space_size, used: space.space_used_size };
    }
    const sample = {
      pid: process.pid,
      threadId,
      main: isMainThread,
      at: Date.now(),
      heap: { physical: heap.total_physical_size, committed: heap.total_heap_size, used: heap.used_heap_size, malloced: heap.malloced_memory, peakMalloced: heap.peak_malloced_memory },
      spaces,
      ...(isMainThread && { process: process.memoryUsage() }),
    };
    writeFileSync(`${file}.tmp`, JSON.stringify(sample));
    renameSync(`${file}.tmp`, file);
  };
  write();
  // unref: the probe never keeps a thread (an idle SQLite worker) alive.
  setInterval(write, intervalMs).unref();
}
