import { readFileSync } from 'node:fs';
import path from 'node:path';

/** A lockfile entry, as npm writes it (v3). */
interface LockEntry {
  version?: string;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [field: string]: unknown;
}

interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  engines?: Record<string, string>;
  bin?: Record<string, string>;
}

/**
 * A package.json and package-lock.json for an app outside the repo that depends on
 * packed workspace tarballs and on `extra` registry packages, with exactly the
 * third-party packages they reach, at the versions the repo's lockfile pins.
 * `npm ci --offline` then installs them from the npm cache that installed the
 * repo, without asking the registry for any package list (an install without a
 * lockfile would, and this machine's cache holds tarballs, not lists).
 */
export function offlineAppLockfile(options: {
  repo: string;
  /** Workspace folders (`packages/core`) and the tarball each was packed to, relative to the app. */
  tarballs: ReadonlyArray<{ folder: string; tarball: string }>;
  /** Registry packages the app depends on directly, by name; their versions come from the repo's lockfile. */
  extra: readonly string[];
}): { manifest: Record<string, unknown>; lockfile: Record<string, unknown> } {
  const repoLock = JSON.parse(readFileSync(path.join(options.repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const folderToName = new Map<string, string>();
  const packages: Record<string, LockEntry> = {};
  const dependencies: Record<string, string> = {};
  const wanted: string[] = [];

  for (const { folder, tarball } of options.tarballs) {
    const manifest = JSON.parse(readFileSync(path.join(options.repo, folder, 'package.json'), 'utf8')) as Manifest;
    folderToName.set(folder, manifest.name);
    dependencies[manifest.name] = `file:${tarball}`;
    const entry: LockEntry = {
      version: manifest.version,
      resolved: `file:${tarball}`,
      ...(manifest.dependencies && { dependencies: manifest.dependencies }),
      ...(manifest.peerDependencies && { peerDependencies: manifest.peerDependencies }),
      ...(manifest.peerDependenciesMeta && { peerDependenciesMeta: manifest.peerDependenciesMeta }),
      ...(manifest.engines && { engines: manifest.engines }),
      ...(manifest.bin && { bin: manifest.bin }),
    };
    packages[`node_modules/${manifest.name}`] = entry;
    wanted.push(...requiredBy(entry));
  }
  for (const name of options.extra) {
    const entry = repoLock.packages[`node_modules/${name}`];
    if (!entry?.version) throw new Error(`${name} is not in the repo's lockfile`);
    dependencies[name] = entry.version;
    wanted.push(name);
  }

  const seen = new Set<string>();
  while (wanted.length > 0) {
    const name = wanted.pop()!;
    if (seen.has(name) || name.startsWith('@switchyard/')) continue;
    seen.add(name);
    const key = `node_modules/${name}`;
    const entry = repoLock.packages[key];
    if (!entry) continue; // an optional dependency this platform never installed
    packages[key] = withoutDevFlags(entry);
    wanted.push(...requiredBy(entry));
    // Copies nested under it: a version it needs that differs from the top-level one.
    for (const [nestedKey, nested] of Object.entries(repoLock.packages)) {
      if (nestedKey.startsWith(`${key}/node_modules/`)) {
        packages[nestedKey] = withoutDevFlags(nested);
        wanted.push(...requiredBy(nested));
      }
    }
  }
  // A workspace's own nested copy (`packages/testing/node_modules/x`) moves under its installed package.
  for (const [key, entry] of Object.entries(repoLock.packages)) {
    const nested = /^((?:packages|plugins)\/[^/]+)\/node_modules\/(.+)$/.exec(key);
    const owner = nested ? folderToName.get(nested[1]!) : undefined;
    if (owner) packages[`node_modules/${owner}/node_modules/${nested![2]}`] = withoutDevFlags(entry);
  }

  const manifest = { name: 'switchyard-pack-install-app', version: '1.0.0', private: true, type: 'module', dependencies };
  return {
    manifest,
    lockfile: {
      name: manifest.name,
      version: manifest.version,
      lockfileVersion: 3,
      requires: true,
      packages: { '': { name: manifest.name, version: manifest.version, dependencies }, ...packages },
    },
  };
}

/** The names a package needs installed: its dependencies, optional ones and required peers. */
function requiredBy(entry: LockEntry): string[] {
  const optionalPeers = entry.peerDependenciesMeta ?? {};
  return [
    ...Object.keys(entry.dependencies ?? {}),
    ...Object.keys(entry.optionalDependencies ?? {}),
    ...Object.keys(entry.peerDependencies ?? {}).filter((name) => !optionalPeers[name]?.optional),
  ];
}

/** In the app everything installed is a production dependency. */
function withoutDevFlags(entry: LockEntry): LockEntry {
  const { dev: _dev, devOptional: _devOptional, peer: _peer, ...rest } = entry;
  return rest;
}
