// Preloaded into every bench target (`node --import bench/alloc-probe.js …`) to count
// the bytes that process allocates on its JavaScript heap.
//
// V8 has no cumulative allocation counter in Node 20, but every byte allocated between
// two moments is either still on the heap at the second moment or was freed by a GC in
// between. So: allocated = usedNow − usedBefore + Σ over GCs (used before GC − used after).
// v8.GCProfiler reports the used heap before and after every GC, exactly.
//
// On SIGUSR2 the probe writes `{ pid, seq, allocatedBytes, gcs, usedHeapBytes }` to
// $BENCH_ALLOC_DIR/<pid>.json (written aside, then renamed, so a reader never sees
// half a file). The bench signals before and after a measured run and divides the
// difference by the requests wrk completed.
//
// Each snapshot first runs a full GC (outside the measured window: the bench takes the
// snapshots before and after wrk). Caveats (also in bench/README.md): Buffer backing stores (socket reads, the body bytes)
// live outside the JS heap and are not counted; the profiler is restarted at each
// snapshot, so a GC that falls into that gap of a few µs would go uncounted; the probe's
// own snapshot allocates a few hundred bytes per GC (well under 0.1% of a run).
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { isMainThread } from 'node:worker_threads';

const dir = process.env.BENCH_ALLOC_DIR;

if (dir && isMainThread) {
  // A full GC at each snapshot settles concurrent sweeping, whose late accounting would
  // otherwise move megabytes between two snapshots' "used" figures. --expose-gc for a
  // moment gives this module a gc() without changing the target's command line.
  v8.setFlagsFromString('--expose-gc');
  const collect = vm.runInNewContext('gc');
  v8.setFlagsFromString('--no-expose-gc');
  let profiler = new v8.GCProfiler();
  profiler.start();
  const baseline = v8.getHeapStatistics().used_heap_size;
  let freed = 0;
  let gcs = 0;
  // Main-thread time spent in GC pauses (GCProfiler's cost of each GC, µs): what a heap flag costs.
  let gcPauseUs = 0;
  let seq = 0;
  const file = path.join(dir, `${process.pid}.json`);
  // Written at once so the bench knows this pid has the probe: SIGUSR2 would kill a process without it.
  writeFileSync(file, JSON.stringify({ pid: process.pid, seq, allocatedBytes: 0, gcs: 0, usedHeapBytes: baseline }));
  process.on('SIGUSR2', () => {
    collect();
    const { statistics } = profiler.stop();
    profiler = new v8.GCProfiler();
    profiler.start();
    const heap = v8.getHeapStatistics();
    const used = heap.used_heap_size;
    for (const gc of statistics) {
      freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
      gcPauseUs += gc.cost;
    }
    gcs += statistics.length;
    seq += 1;
    // Where resident memory sits, for finding what holds it: the JS heap's reserved pages,
    // ArrayBuffer/Buffer memory outside it, and V8's own malloc.
    const memory = { totalHeapBytes: heap.total_heap_size, externalBytes: heap.external_memory, mallocedBytes: heap.malloced_memory, arrayBuffersBytes: process.memoryUsage().arrayBuffers };
    const body = JSON.stringify({ pid: process.pid, seq, allocatedBytes: used - baseline + freed, gcs, gcPauseUs, usedHeapBytes: used, ...memory });
    writeFileSync(`${file}.tmp`, body);
    renameSync(`${file}.tmp`, file);
  });
}
