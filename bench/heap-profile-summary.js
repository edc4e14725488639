// Re-prints the allocation-site summary of a saved .heapprofile (BENCH_HEAP_PROFILE=1).
//   node bench/heap-profile-summary.js FILE.heapprofile [top]
import { formatHeapProfile, summarizeHeapProfile } from './lib/heap-profile.js';
import { repoRoot } from './lib/fixtures.js';

const [file, top = '25'] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/heap-profile-summary.js FILE.heapprofile [top]\n');
  process.exit(2);
}
console.log(formatHeapProfile(summarizeHeapProfile(file, { top: Number(top), repoRoot }), file));
