// Reads a V8 .cpuprofile (from node --cpu-prof) and ranks functions by self time,
// the quickest way to see where the gateway's per-request CPU goes.
import { readFileSync } from 'node:fs';
import path from 'node:path';

// Time V8 attributes to no JavaScript at all; shown separately, excluded from shares.
const idle = new Set(['(idle)', '(program)', '(garbage collector)']);

export function where(callFrame, repoRoot) {
  const url = callFrame.url || '';
  if (!url) return '';
  const file = url.startsWith('file://') ? new URL(url).pathname : url;
  const shown = repoRoot && file.startsWith(repoRoot) ? path.relative(repoRoot, file) : file;
  return `${shown}:${callFrame.lineNumber + 1}`;
}

/** Groups a location into the package that owns it, e.g. `express`, `@switchyard/core`, `node:internal`. */
export function owner(location) {
  if (!location) return '(native/V8)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(location);
  if (nm) return nm[1];
  const ws = /^(packages|plugins)\/([^/]+)\//.exec(location);
  if (ws) return `${ws[1]}/${ws[2]}`;
  if (location.startsWith('node:')) return 'node (built-ins)';
  return location.split(':')[0];
}

export function summarizeProfile(file, { top = 20, repoRoot } = {}) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map();
  // timeDeltas[i] is the gap before sample i; it is the better estimate of each sample's weight.
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, profile.timeDeltas[i] ?? 0));
  }
  const functions = new Map();
  const special = {};
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id);
    const name = callFrame.functionName || '(anonymous)';
    if (idle.has(name)) {
      special[name] = (special[name] ?? 0) + us;
      if (name !== '(idle)') busyUs += us;
      continue;
    }
    busyUs += us;
    const location = where(callFrame, repoRoot);
    const key = `${name} ${location}`;
    const entry = functions.get(key) ?? { name, location, selfUs: 0 };
    entry.selfUs += us;
    functions.set(key, entry);
  }
  const ranked = [...functions.values()].sort((a, b) => b.selfUs - a.selfUs);
  const owners = new Map();
  for (const entry of ranked) {
    const key = owner(entry.location);
    owners.set(key, (owners.get(key) ?? 0) + entry.selfUs);
  }
  for (const [name, us] of Object.entries(special)) {
    if (name !== '(idle)') owners.set(name, us);
  }
  return {
    busyMs: busyUs / 1000,
    idleMs: (special['(idle)'] ?? 0) / 1000,
    topFunctions: ranked.slice(0, top).map((e) => ({ ...e, selfMs: e.selfUs / 1000, share: e.selfUs / busyUs })),
    byOwner: [...owners.entries()]
      .map(([name, us]) => ({ name, selfMs: us / 1000, share: us / busyUs }))
      .sort((a, b) => b.selfMs - a.selfMs),
  };
}

export function formatProfile(summary, file) {
  const pct = (share) => `${(share * 100).toFixed(1).padStart(5)}%`;
  const lines = [
    `gateway CPU profile: ${file}`,
    `busy ${summary.busyMs.toFixed(0)} ms (idle ${summary.idleMs.toFixed(0)} ms excluded); shares are of busy time`,
    'self time by package:',
    ...summary.byOwner.slice(0, 12).map((o) => `  ${pct(o.share)}  ${o.selfMs.toFixed(0).padStart(7)} ms  ${o.name}`),
    'top functions by self time:',
    ...summary.topFunctions.map((f) => `  ${pct(f.share)}  ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.name}  ${f.location}`),
  ];
  return lines.join('\n');
}
