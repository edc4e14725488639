import { describe, expect, it } from 'vitest';
import { decodeLedgerCursor, encodeLedgerCursor } from '../src/index.js';

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('ledger cursors', () => {
  it('round-trips a record position', () => {
    const cursor = { atMs: 1_796_312_434_016, id: 'req_0123-abc' };
    expect(decodeLedgerCursor(encodeLedgerCursor(cursor))).toEqual(cursor);
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('nope').toString('base64url')],
    ['an object', encode({ atMs: 1, id: 'x' })],
    ['three items', encode([1, 'x', 2])],
    ['a negative time', encode([-1, 'x'])],
    ['a fractional time', encode([1.5, 'x'])],
    ['a time past 2^53', encode([2 ** 60, 'x'])],
    ['a time as text', encode(['1', 'x'])],
    ['an empty id', encode([1, ''])],
    ['a 300-character id', encode([1, 'i'.repeat(300)])],
    ['a numeric id', encode([1, 7])],
    ['longer than 512 characters', 'A'.repeat(513)],
  ])('refuses %s', (_name, text) => {
    expect(decodeLedgerCursor(text)).toBeUndefined();
  });
});
