import { LineCounter, parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { findDuplicateKey } from '../src/config/find-duplicate-key.js';

/** The one-pass check of keys written twice answers as the yaml package's own (`uniqueKeys`) did, word for word. */
describe('findDuplicateKey', () => {
  it.each([
    'server: {port: 1, host: a, port: 2}\n',
    'a: 1\n&x a: 2\n',
    'a: 1\n!!str a: 2\n',
    '? a\n: 1\na: 2\n',
    '{a, a}\n',
    'a:\n  b: 1\n  b: 2\na: 3\n',
    '1: x\n1: y\n',
    ': a\n: b\n',
    '- {x: 1}\n- {x: 1, y: 2, x: 3}\n',
    'a: 1\nb: 2\n',
  ])('%j', (text) => {
    const own = parseDocument(text, { merge: true }).errors[0]?.message.split(':\n')[0];
    const lineCounter = new LineCounter();
    const found = findDuplicateKey(parseDocument(text, { merge: true, uniqueKeys: false, lineCounter }), lineCounter);
    expect(found?.message).toBe(own);
  });
});
