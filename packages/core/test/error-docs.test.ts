import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { errorCatalogue } from '../src/index.js';

const docs = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/errors.md'), 'utf8');

describe('docs/errors.md', () => {
  it('lists every code of the catalogue with its status, type and retryable flag, and nothing else', () => {
    const rows = [...docs.matchAll(/^\| `([a-z_]+)` \| (\d+) \| (\w+) \| (yes|no) \|/gm)].map(([, code, status, type, retryable]) => ({
      code,
      status: Number(status),
      type,
      retryable: retryable === 'yes',
    }));
    const expected = Object.entries(errorCatalogue).map(([code, entry]) => ({ code, ...entry }));
    expect(rows).toEqual(expected);
  });
});
