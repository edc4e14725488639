import { describe, expect, it } from 'vitest';
import { formatTable } from '../src/format-table.js';
import { escapeControlCharacters, terminalJson } from '../src/terminal-text.js';

describe('formatTable', () => {
  it('pads each column to its widest cell, two spaces apart', () => {
    expect(formatTable(['ID', 'NAME'], [['key_1', 'a'], ['k', 'longer']])).toBe('ID     NAME\nkey_1  a\nk      longer\n');
  });

  it('writes control characters out visibly, so a stored name cannot drive the terminal or split a row', () => {
    const table = formatTable(['ID', 'NAME', 'TEAM'], [
      ['key_1', 'evil\u001b[2J\u001b]0;pwned\u0007', 'red'],
      ['key_2', 'two\nlines\r\tand\u0000nul\u007fdel\u009bcsi', 'blue'],
    ]);
    // Nothing a terminal acts on is left: C0, DEL and C1.
    expect(table.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    const names = ['evil\\x1b[2J\\x1b]0;pwned\\x07', 'two\\nlines\\r\\tand\\x00nul\\x7fdel\\x9bcsi'];
    const width = names[1]!.length;
    // Columns measured on what is printed: TEAM starts at the same place on every line.
    expect(table.trimEnd().split('\n')).toEqual([
      `ID     ${'NAME'.padEnd(width)}  TEAM`,
      `key_1  ${names[0]!.padEnd(width)}  red`,
      `key_2  ${names[1]!}  blue`,
    ]);
  });

  it('escapes the header too, and leaves printable text (and non-ASCII) as it is', () => {
    expect(formatTable(['A\u001bB'], [['café ✓']])).toBe('A\\x1bB\ncafé ✓\n');
    expect(escapeControlCharacters('plain name-1_2.3 (x)')).toBe('plain name-1_2.3 (x)');
  });

  it('writes out every direction mark the admin API refuses in names, the Arabic letter mark (U+061C) too', () => {
    expect(escapeControlCharacters('a\u200eb\u200fc\u061cd\u202ee\u2066f')).toBe('a\\u200eb\\u200fc\\u061cd\\u202ee\\u2066f');
  });

  it('writes out the other invisible format characters the admin API refuses (a team ops\\u200b is not shown as ops), and keeps the joiners', () => {
    expect(escapeControlCharacters('ops\u200b|\ufeffa|b\u00adc|\u2060|\u{e0041}')).toBe('ops\\u200b|\\ufeffa|b\\xadc|\\u2060|\\u{e0041}');
    expect(escapeControlCharacters('می\u200cخواهم \u{1f469}\u200d\u{1f4bb}')).toBe('می\u200cخواهم \u{1f469}\u200d\u{1f4bb}');
  });

  it('--json escapes them as JSON reads them back, a character beyond U+FFFF as its two halves', () => {
    const value = { team: 'ops\u200b', tag: 'x\u{e0041}', joined: '\u{1f469}\u200d\u{1f4bb}' };
    const shown = terminalJson(value);
    expect(shown).toContain('"ops\\u200b"');
    expect(shown).toContain('"x\\udb40\\udc41"');
    expect(shown).not.toMatch(/[\u200b\u{e0041}]/u);
    expect(JSON.parse(shown)).toEqual(value);
  });
});
