import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gatewayConfigSchema } from '@switchyard/core';
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';

/*
 * The config file's own settings (not a plugin's options, which each plugin's README and
 * schema cover) against what the docs say: every setting of the schema is written
 * somewhere a reader looks (as `server.port`, or in a YAML example under its section),
 * and every `server.x`-style name the docs write is one the schema takes, so neither
 * side can rename or add a setting alone. No test held the two together before; this
 * one passed as written.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

type Schema = { properties?: Record<string, Schema> };
const sections = gatewayConfigSchema.properties as Record<string, Schema>;

/** `section.key` for each setting of a section with a fixed set of keys. */
const settings = Object.entries(sections).flatMap(([section, schema]) => Object.keys(schema.properties ?? {}).map((key) => `${section}.${key}`));

function corpus(): { file: string; text: string }[] {
  const docs = readdirSync(path.join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => path.join('docs', name));
  const readmes = ['examples', 'packages', 'plugins'].flatMap((folder) =>
    readdirSync(path.join(root, folder))
      .map((name) => path.join(folder, name, 'README.md'))
      .filter((file) => existsSync(path.join(root, file))),
  );
  return ['README.md', 'config/switchyard.example.yaml', ...docs, ...readmes].map((file) => ({ file, text: readFileSync(path.join(root, file), 'utf8') }));
}

/** `section.key` of every map under a section in a YAML text (a file, or a block of a page). */
function yamlSettings(yamlText: string): string[] {
  const value = parseDocument(yamlText).toJS() as unknown;
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([section, inner]) =>
    typeof inner === 'object' && inner !== null && !Array.isArray(inner) ? Object.keys(inner).map((key) => `${section}.${key}`) : [],
  );
}

const texts = corpus();
const documented = new Set<string>();
for (const { file, text } of texts) {
  for (const match of text.matchAll(/\b([a-z_]+\.[a-z_]+)\b/g)) documented.add(match[1]!);
  const blocks = file.endsWith('.yaml') ? [text] : [...text.matchAll(/^```ya?ml\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);
  for (const block of blocks) for (const setting of yamlSettings(block)) documented.add(setting);
}

describe('the config file settings and the docs', () => {
  it('every setting of the schema is documented', () => {
    expect(settings.length).toBeGreaterThan(30);
    expect(settings.filter((setting) => !documented.has(setting))).toEqual([]);
  });

  it('every top-level key of the schema is documented', () => {
    const all = texts.map(({ text }) => text).join('\n');
    expect(Object.keys(sections).filter((key) => !all.includes(`\`${key}\``) && !new RegExp(`^\\s*${key}:`, 'm').test(all))).toEqual([]);
  });

  it('every setting the docs name in the config spelling is one the schema takes', () => {
    // `server.x`, `dashboard.x`, `log.x`, `metrics.x` and the max_/stream_/flush_ names under
    // limits and usage; `limits.global` (the rate-limit step's) or `usage.tokens` (a wire
    // field) are other things' names.
    const configSpelling = /`((?:server|dashboard|log|metrics|responses)\.[a-z_]+|(?:limits|usage)\.(?:max|stream|flush)_[a-z_]+)\b/g;
    const known = new Set(settings);
    const unknown = texts.flatMap(({ file, text }) =>
      [...text.matchAll(configSpelling)].map((match) => match[1]!).filter((name) => !known.has(name) && !/^responses\.(create|retrieve|delete|stream|parse|inputItems)$/.test(name)).map((name) => `${file}: ${name}`),
    );
    expect([...new Set(unknown)]).toEqual([]);
  });
});
