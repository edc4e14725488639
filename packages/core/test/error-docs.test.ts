import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { errorCatalogue } from '../src/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const docs = readFileSync(path.join(root, 'docs/errors.md'), 'utf8');

/** README.md, docs/*.md and every example's, package's and plugin's README. */
function pages(): string[] {
  const readmes = (folder: string) =>
    readdirSync(path.join(root, folder))
      .map((name) => path.join(folder, name, 'README.md'))
      .filter((file) => existsSync(path.join(root, file)));
  const docsPages = readdirSync(path.join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => path.join('docs', name));
  return ['README.md', ...docsPages, ...readmes('examples'), ...readmes('packages'), ...readmes('plugins')];
}

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

  // docs/dashboard.md and docs/reliability.md said a key past its rpm on `/v1/me` or
  // `GET /v1/responses/{id}` got "429 `rate_limit_error`", docs/responses-api.md that a
  // built-in tool sent to a preset got "400 `invalid_request_error`": those are the error's
  // type. The answers' code is `rate_limit_exceeded` and `invalid_request`, and a client
  // matching on `code`, as this page says to, looked for a code no answer has. Anthropic's
  // envelope (its pages and lines) does carry the type as its own error type.
  it('the other pages write the code after a status, not the type', () => {
    const codes = new Set(Object.keys(errorCatalogue));
    const typesOnly = new Set<string>(Object.values(errorCatalogue).map((entry) => entry.type).filter((type) => !codes.has(type)));
    const found = pages()
      .filter((page) => page !== path.join('docs', 'anthropic-messages.md'))
      .flatMap((page) =>
        readFileSync(path.join(root, page), 'utf8')
          .split('\n')
          .flatMap((line, index) => {
            if (/Anthropic|\/v1\/messages|count_tokens/.test(line)) return [];
            return [...line.matchAll(/\b[1-5]\d\d\s+`([a-z_]+)`(\s+`[a-z_]+`)?/g)]
              .filter((match) => typesOnly.has(match[1]!) && match[2] === undefined)
              .map((match) => `${page}:${index + 1}: ${match[0]}`);
          }),
      );
    expect(found).toEqual([]);
  });
});
