// Resident memory of a process by kind of mapping, from /proc/PID/smaps: what the kernel
// actually holds for it, whoever asked for it (V8, malloc, a native addon, the loader).
import { readFileSync, realpathSync } from 'node:fs';

const header = /^[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ \S+\s*(.*)$/;
const nodeBinary = realpathSync(process.execPath);

/**
 * Resident KB of `pid` by kind: `node` (the node binary's own pages: its code and data),
 * `addons` (*.node files, e.g. better-sqlite3), `libs` (other shared libraries and files),
 * `brk` (the [heap] of the main malloc arena), `stacks`, `anon` (every other anonymous
 * mapping: V8's heap pages, the other threads' malloc arenas, mmapped large allocations).
 */
export function residentByKind(pid) {
  const kinds = { node: 0, addons: 0, libs: 0, brk: 0, stacks: 0, anon: 0, other: 0 };
  let kind = 'other';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const mapping = header.exec(line);
    if (mapping) {
      kind = kindOf(mapping[2].trim());
      continue;
    }
    if (line.startsWith('Rss:')) kinds[kind] += Number(line.slice(4).trim().split(/\s+/)[0]);
  }
  return kinds;
}

function kindOf(name) {
  if (name === '') return 'anon';
  if (name === '[heap]') return 'brk';
  if (name.startsWith('[stack')) return 'stacks';
  if (name.startsWith('[')) return 'other'; // [vdso], [vvar], [anon:…]
  if (name === nodeBinary) return 'node';
  if (name.endsWith('.node')) return 'addons';
  return 'libs';
}
