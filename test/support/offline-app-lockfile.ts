import { readFileSync } from 'node:fs';
import path from 'node:path';

/** A lockfile entry, as npm writes it (v3). */
interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dev?: boolean;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  [field: string]: unknown;
}

interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, unknown>;
  engines?: Record<string, string>;
  bin?: Record<string, string>;
}

/**
 * A package-lock.json for an app outside the repo that depends on packed workspace
 * tarballs and on `extra` registry packages. Third-party versions are the repo's
 * own (its lockfile), so `npm ci --offline` installs them from the npm cache that
 * installed the repo, without asking the registry for any package list.
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

  for (const { folder, tarball } of options.tarballs) {
    const manifest = JSON.parse(readFileSync(path.join(options.repo, folder, 'package.json'), 'utf8')) as Manifest;
    folderToName.set(folder, manifest.name);
    dependencies[manifest.name] = `file:${tarball}`;
    packages[`node_modules/${manifest.name}`] = {
      version: manifest.version,
      resolved: `file:${tarball}`,
      ...(manifest.dependencies && { dependencies: manifest.dependencies }),
      ...(manifest.peerDependencies && { peerDependencies: manifest.peerDependencies }),
      ...(manifest.peerDependenciesMeta && { peerDependenciesMeta: manifest.peerDependenciesMeta }),
      ...(manifest.engines && { engines: manifest.engines }),
      ...(manifest.bin && { bin: manifest.bin }),
    };
  }

  for (const [key, entry] of Object.entries(repoLock.packages)) {
    if (key === '' || entry.link || entry.dev) continue;
    if (key.startsWith('node_modules/@switchyard/')) continue;
    if (key.startsWith('node_modules/')) {
      packages[key] = entry;
      continue;
    }
    // A workspace's own nested copy (`packages/testing/node_modules/x`) moves under the installed package.
    const nested = /^(.+?)\/node_modules\/(.+)$/.exec(key);
    const owner = nested ? folderToName.get(nested[1]!) : undefined;
    if (owner) packages[`node_modules/${owner}/node_modules/${nested![2]}`] = entry;
  }

  for (const name of options.extra) {
    const entry = repoLock.packages[`node_modules/${name}`];
    if (!entry?.version) throw new Error(`${name} is not in the repo's lockfile`);
    dependencies[name] = entry.version;
  }

  const manifest = { name: 'switchyard-pack-install-app', version: '1.0.0', private: true, type: 'module', dependencies };
  return {
    manifest,
    lockfile: { name: manifest.name, version: manifest.version, lockfileVersion: 3, requires: true, packages: { '': { name: manifest.name, version: manifest.version, dependencies }, ...packages } },
  };
}
