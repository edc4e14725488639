// Validates bench/alloc-probe.js on a toy allocator whose allocation is known: runs
// itself as a child with the probe preloaded, makes it allocate N arrays of 1,000 small
// integers, and compares the measured bytes per array with V8's layout for one.
//   node bench/alloc-probe-check.js          (exit 1 if off by more than 3%)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { allocatedBytes } from './lib/alloc.js';

const self = fileURLToPath(import.meta.url);
const elements = 1000;
const arrays = 200_000;

if (process.argv[2] === 'toy') {
  // The child: wait for "go" on stdin, allocate, say "done", wait for the parent to read, exit.
  let keep;
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (line) => {
    if (!line.startsWith('go')) return process.exit(0);
    for (let i = 0; i < arrays; i++) {
      // new Array(n).fill(0): a JSArray (32 bytes) and a FixedArray of n tagged slots
      // (16-byte header + 8 bytes per slot; Node 20 builds are without pointer compression).
      keep = new Array(elements).fill(0);
    }
    process.stdout.write(`done ${keep.length}\n`);
  });
  process.stdout.write('ready\n');
} else {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'alloc-probe-'));
  const child = spawn(process.execPath, ['--import', path.join(path.dirname(self), 'alloc-probe.js'), self, 'toy'], {
    env: { ...process.env, BENCH_ALLOC_DIR: dir },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = [];
  const waitFor = (word) =>
    new Promise((resolve) => {
      const check = () => (lines.some((l) => l.startsWith(word)) ? resolve() : setTimeout(check, 10));
      check();
    });
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => lines.push(...chunk.split('\n')));
  await waitFor('ready');
  const before = await allocatedBytes([child.pid], dir);
  child.stdin.write('go\n');
  await waitFor('done');
  const after = await allocatedBytes([child.pid], dir);
  child.stdin.end('stop\n');
  rmSync(dir, { recursive: true, force: true });
  const expected = 32 + 16 + 8 * elements;
  const measured = (after.bytes - before.bytes) / arrays;
  const error = (measured - expected) / expected;
  console.log(
    `toy allocator: ${arrays} arrays of ${elements} elements, expected ${expected} B each, measured ${measured.toFixed(1)} B ` +
      `(${(error * 100).toFixed(2)}%, ${after.gcs - before.gcs} GCs)`,
  );
  process.exit(Math.abs(error) <= 0.03 ? 0 : 1);
}
