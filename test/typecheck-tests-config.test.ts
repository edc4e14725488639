import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import vitestConfig from '../vitest.config.js';

/**
 * `npm run typecheck:tests` checks the tests against the modules vitest runs them with:
 * a workspace package or subpath export added to vitest's aliases but not to
 * tsconfig.test.json's paths would be checked against its built dist/ types instead
 * (stale, or a second copy of every class).
 */
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

function testCompilerOptions(): ts.CompilerOptions {
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.test.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error('tsconfig.test.json could not be read');
  expect(parsed.errors).toEqual([]);
  return parsed.options;
}

describe('tsconfig.test.json', () => {
  it('resolves every workspace import to the source file vitest aliases it to', () => {
    const options = testCompilerOptions();
    // vitest.config.ts builds its aliases as a name → file record.
    const aliases = Object.entries(vitestConfig.resolve?.alias as Record<string, string>);
    expect(aliases.map(([name]) => name)).toContain('@switchyard/core/store-helpers');
    const importer = path.join(root, 'test', 'importer.ts');
    for (const [name, source] of aliases) {
      const resolved = ts.resolveModuleName(name, importer, options, ts.sys, undefined, undefined, ts.ModuleKind.ESNext).resolvedModule;
      expect(resolved?.resolvedFileName, name).toBe(source);
    }
  });
});
