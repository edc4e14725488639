// Preloaded (`node --import`) into a gateway under test: on every SIGUSR2 it writes to
// $PROMOTION_PROBE_FILE how many bytes young-generation collections have moved into the
// old generation since it started. v8.GCProfiler reports each collection's space sizes
// before and after; what a scavenge adds to old space is what it promoted.
import { renameSync, writeFileSync } from 'node:fs';
import v8 from 'node:v8';
import { isMainThread } from 'node:worker_threads';

const file = process.env.PROMOTION_PROBE_FILE;
if (file && isMainThread) {
  let profiler = new v8.GCProfiler();
  profiler.start();
  let promotedBytes = 0;
  let scavenges = 0;
  const oldSpaceUsed = (snapshot) => snapshot.heapSpaceStatistics.find((space) => space.spaceName === 'old_space')?.spaceUsedSize ?? 0;
  process.on('SIGUSR2', () => {
    for (const gc of profiler.stop().statistics) {
      if (gc.gcType !== 'Scavenge') continue;
      scavenges++;
      promotedBytes += Math.max(0, oldSpaceUsed(gc.afterGC) - oldSpaceUsed(gc.beforeGC));
    }
    profiler = new v8.GCProfiler();
    profiler.start();
    // Written aside and renamed into place: the test polls the file, and a plain write
    // (truncate, then write) let it read half a JSON text now and then.
    writeFileSync(`${file}.tmp`, JSON.stringify({ promotedBytes, scavenges, at: process.hrtime.bigint().toString() }));
    renameSync(`${file}.tmp`, file);
  });
}
