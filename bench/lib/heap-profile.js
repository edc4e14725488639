// Reads a V8 .heapprofile (from node --heap-prof, a sampling allocation profile) and
// ranks allocation sites by the bytes sampled there: where the per-request garbage comes from.
import { readFileSync } from 'node:fs';
import { owner, where } from './cpu-profile.js';

export function summarizeHeapProfile(file, { top = 25, repoRoot } = {}) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const sites = new Map();
  let total = 0;
  // Self sizes sit on the call tree's nodes; stacks are kept one deep (the allocating frame)
  // plus its caller, which is usually what tells a generic helper's callers apart.
  const walk = (node, parent) => {
    if (node.selfSize > 0) {
      total += node.selfSize;
      const name = node.callFrame.functionName || '(anonymous)';
      const location = where(node.callFrame, repoRoot);
      const caller = parent ? `${parent.callFrame.functionName || '(anonymous)'} ${where(parent.callFrame, repoRoot)}` : '';
      const key = `${name} ${location}`;
      const entry = sites.get(key) ?? { name, location, bytes: 0, callers: new Map() };
      entry.bytes += node.selfSize;
      entry.callers.set(caller, (entry.callers.get(caller) ?? 0) + node.selfSize);
      sites.set(key, entry);
    }
    for (const child of node.children ?? []) walk(child, node);
  };
  walk(profile.head, undefined);
  const ranked = [...sites.values()].sort((a, b) => b.bytes - a.bytes);
  const owners = new Map();
  for (const entry of ranked) {
    const key = owner(entry.location);
    owners.set(key, (owners.get(key) ?? 0) + entry.bytes);
  }
  return {
    sampledBytes: total,
    topSites: ranked.slice(0, top).map((e) => ({
      name: e.name,
      location: e.location,
      bytes: e.bytes,
      share: e.bytes / total,
      topCaller: [...e.callers.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '',
    })),
    byOwner: [...owners.entries()].map(([name, bytes]) => ({ name, bytes, share: bytes / total })).sort((a, b) => b.bytes - a.bytes),
  };
}

export function formatHeapProfile(summary, file) {
  const pct = (share) => `${(share * 100).toFixed(1).padStart(5)}%`;
  return [
    `gateway allocation profile: ${file}`,
    `${(summary.sampledBytes / 1048576).toFixed(1)} MB sampled; shares are of sampled bytes (sampling: allocations, not what survives)`,
    'allocated by package:',
    ...summary.byOwner.slice(0, 12).map((o) => `  ${pct(o.share)}  ${o.name}`),
    'top allocation sites (caller in brackets):',
    ...summary.topSites.map((s) => `  ${pct(s.share)}  ${s.name}  ${s.location}  [${s.topCaller}]`),
  ].join('\n');
}
