// Preloaded into the profiled gateway (BENCH_HEAP_PROFILE=1) instead of `node --heap-prof`:
// --heap-prof keeps only samples of objects still alive at exit, so per-request garbage —
// what this is for — would be missing. The inspector's sampling heap profiler can keep
// the samples of objects collected by minor and major GCs too; at exit the profile is
// written to $BENCH_HEAP_PROFILE_DIR/Heap.<pid>.heapprofile (the --heap-prof format).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';

const dir = process.env.BENCH_HEAP_PROFILE_DIR;
if (dir && isMainThread) {
  const session = new Session();
  session.connect();
  // Sampling starts once start-up (module loading, schema compilation) is over, so the
  // profile shows the requests; the bench's warm-up begins after the gateway is ready.
  const delayMs = Number(process.env.BENCH_HEAP_PROFILE_DELAY_MS ?? 4000);
  setTimeout(() => {
    session.post('HeapProfiler.startSampling', {
      samplingInterval: Number(process.env.BENCH_HEAP_PROFILE_INTERVAL ?? 16384),
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }, delayMs).unref();
  // Same-thread inspector sessions answer synchronously, so this is usable from 'exit'.
  process.on('exit', () => {
    session.post('HeapProfiler.stopSampling', (error, result) => {
      if (error) return;
      writeFileSync(path.join(dir, `Heap.${process.pid}.heapprofile`), JSON.stringify(result.profile));
    });
  });
}
