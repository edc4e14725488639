import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Finds the file a plugin specifier names, as a `file:` URL, or undefined when it
 * is nowhere. A path (`./my-provider.js`) is relative to `baseDir`, the config
 * file's folder. A package name is looked up from each of `searchDirs` in turn —
 * the config file's folder, then the working folder, then Switchyard's own
 * packages — so a plugin installed next to the config or in the app is found.
 */
export function locatePluginModule(specifier: string, baseDir: string, searchDirs: readonly string[]): string | undefined {
  if (specifier.startsWith('.') || path.isAbsolute(specifier)) {
    const file = path.resolve(baseDir, specifier);
    return isFile(file) ? pathToFileURL(file).href : undefined;
  }
  for (const dir of searchDirs) {
    const found = resolvePackageFrom(specifier, dir);
    if (found) return pathToFileURL(found).href;
  }
  return undefined;
}

/** The folders package names are looked up from, in order, without repeats. */
export function pluginSearchDirs(baseDir: string): string[] {
  const ownDir = path.dirname(fileURLToPath(import.meta.url));
  return [...new Set([path.resolve(baseDir), process.cwd(), ownDir])];
}

function resolvePackageFrom(name: string, dir: string): string | undefined {
  try {
    // `default` export conditions and `main` work through require's resolution.
    return createRequire(path.join(dir, 'noop.js')).resolve(name);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'MODULE_NOT_FOUND') return undefined;
    if (code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') return resolveImportOnlyPackage(name, dir);
    throw error;
  }
}

/** An ESM-only package whose `exports` offer only an `import` condition: read its entry ourselves. */
function resolveImportOnlyPackage(name: string, dir: string): string | undefined {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const packageDir = path.join(current, 'node_modules', name);
    if (isFile(path.join(packageDir, 'package.json'))) {
      const manifest = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { exports?: unknown };
      const entry = importEntry(manifest.exports);
      return entry === undefined ? undefined : path.resolve(packageDir, entry);
    }
    if (path.dirname(current) === current) return undefined;
  }
}

function importEntry(exports: unknown, depth = 0): string | undefined {
  if (typeof exports === 'string') return exports;
  if (depth > 8 || typeof exports !== 'object' || exports === null || Array.isArray(exports)) return undefined;
  const conditions = exports as Record<string, unknown>;
  if ('.' in conditions) return importEntry(conditions['.'], depth + 1);
  for (const condition of ['import', 'node', 'default']) {
    if (condition in conditions) return importEntry(conditions[condition], depth + 1);
  }
  return undefined;
}

function isFile(file: string): boolean {
  return existsSync(file) && statSync(file).isFile();
}
