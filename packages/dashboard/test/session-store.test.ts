import { describe, expect, it } from 'vitest';
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
