import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdleSessions } from '../src/idle-sessions.js';
import { SessionStore } from '../src/index.js';

describe('SessionStore', () => {
  it('stays within max_sessions of each kind however many keys log in', () => {
    const sessions = new SessionStore({ maxSessions: 20, maxSessionsPerKey: 3 });
    const admins = Array.from({ length: 5 }, () => sessions.create({ role: 'admin' }));
    for (let key = 0; key < 100; key++) {
      for (let login = 0; login < 5; login++) sessions.create({ role: 'self', keyId: `key_${key}`, digest: `d${key}` });
    }
    expect(sessions.size).toBe(25);
    for (const id of admins) expect(sessions.get(id)).toEqual({ role: 'admin' });
  });

  it('drops a key\'s own oldest session past its cap, and forgets a deleted one', () => {
    const sessions = new SessionStore({ maxSessions: 100, maxSessionsPerKey: 2 });
    const mine = { role: 'self' as const, keyId: 'key_a', digest: 'a' };
    const first = sessions.create(mine);
    const second = sessions.create(mine);
    sessions.delete(second);
    // One live session of two allowed: a new one drops nothing.
    const third = sessions.create(mine);
    expect(sessions.get(first)).toEqual(mine);
    sessions.create(mine);
    expect(sessions.get(first)).toBeUndefined();
    expect(sessions.get(third)).toEqual(mine);
    expect(sessions.size).toBe(2);
  });
});

describe('SessionStore expiry', () => {
  it('lets expired sessions go at the next login, though nobody looked them up, and their keys\' counts with them', () => {
    let now = 0;
    const sessions = new SessionStore({ maxSessions: 100, maxSessionsPerKey: 2, ttlMs: 1000, now: () => now });
    for (let key = 0; key < 20; key++) sessions.create({ role: 'self', keyId: `key_${key}`, digest: `d${key}` });
    sessions.create({ role: 'admin' });
    expect(sessions.size).toBe(21);
    now = 999;
    const fresh = sessions.create({ role: 'self', keyId: 'key_0', digest: 'd0' });
    expect(sessions.size).toBe(22);
    now = 1000;
    const last = sessions.create({ role: 'self', keyId: 'key_0', digest: 'd0' });
    // Only the two made since are held; key_0's expired session no longer counts against its two.
    expect(sessions.size).toBe(2);
    expect(sessions.get(fresh)).toEqual({ role: 'self', keyId: 'key_0', digest: 'd0' });
    expect(sessions.get(last)).toEqual({ role: 'self', keyId: 'key_0', digest: 'd0' });
  });
});

describe('IdleSessions', () => {
  type Op = { kind: 'set' | 'get' | 'delete'; id: number } | { kind: 'wait'; ms: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    { arbitrary: fc.record({ kind: fc.constantFrom('set' as const, 'get' as const, 'delete' as const), id: fc.nat(5) }), weight: 4 },
    { arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.nat(60) }), weight: 1 },
  );

  it('property: holds what a list in order of last use, at most max, each ending ttl after its last use or lifetime after it began, holds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 200 }), fc.array(op, { maxLength: 80 }), (max, ttl, lifetime, ops) => {
        let now = 0;
        const ended: string[] = [];
        const sessions = new IdleSessions<number>(max, ttl, lifetime, (id) => ended.push(id));
        // The model: [id, last use, start], least recently used first; a set of a held id is a new session under it.
        let model: Array<[string, number, number]> = [];
        const expire = () => (model = model.filter(([, usedAt, startedAt]) => now - usedAt < ttl && now - startedAt < lifetime));
        for (const step of ops) {
          if (step.kind === 'wait') {
            now += step.ms;
            continue;
          }
          const id = `s${step.id}`;
          if (step.kind === 'set') {
            expire();
            model = model.filter(([held]) => held !== id);
            if (model.length >= max) model = model.slice(model.length - max + 1);
            model.push([id, now, now]);
            sessions.set(id, step.id, now);
          } else if (step.kind === 'get') {
            expire();
            const held = model.find(([heldId]) => heldId === id);
            if (held) model = [...model.filter(([heldId]) => heldId !== id), [id, now, held[2]]];
            expect(sessions.get(id, now)).toBe(held ? step.id : undefined);
          } else {
            const held = model.some(([heldId]) => heldId === id);
            model = model.filter(([heldId]) => heldId !== id);
            expect(sessions.delete(id)).toBe(held);
          }
          // Held, expired ones included until the next call: never more than max.
          expect(sessions.size).toBeLessThanOrEqual(max);
        }
        sessions.sweep(now);
        expire();
        expect(sessions.size).toBe(model.length);
        // Every session made is held or was told ended, once (SessionStore keeps its per-key sets by it).
        expect(ended.length + sessions.size).toBe(ops.filter((step) => step.kind === 'set').length);
      }),
      {
        examples: [
          // A session used last, but begun first, ends by its lifetime behind one still alive at the front of last uses.
          [5, 100, 15, [{ kind: 'set', id: 1 }, { kind: 'wait', ms: 5 }, { kind: 'set', id: 2 }, { kind: 'get', id: 1 }, { kind: 'wait', ms: 12 }]],
        ],
      },
    );
  });
});
