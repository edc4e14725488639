/** A session held, with when it began and when it was last used. */
interface Held<T> {
  value: T;
  createdAt: number;
  usedAt: number;
}

/**
 * Sessions of one kind by id, at most `max`, each ending `ttlMs` after its last use,
 * on the clock given to each call. A Map keeps insertion order and a use moves the
 * session to the end, so the least recently used is first: the one that goes when
 * the map is full, and the ones that expire first. Expired sessions are swept from
 * the front on every call (amortised O(1)), so they are let go at the next login or
 * lookup: no timer per session, and nothing held past its end longer than that.
 *
 * However often it is used, a session also ends `maxLifetimeMs` after it began: one
 * used every few hours would otherwise never end. A second map holds the ids in the
 * order they began, swept from its front the same way.
 */
export class IdleSessions<T> {
  private readonly held = new Map<string, Held<T>>();
  /** The same ids, oldest login first (a set deletes before it adds, so insertion order is that). */
  private readonly byStart = new Map<string, Held<T>>();

  constructor(
    private readonly max: number,
    private readonly ttlMs: number,
    private readonly maxLifetimeMs: number,
    /** Told of every session that ends here (expired, pushed out or deleted). */
    private readonly ended: (id: string, value: T) => void = () => {},
  ) {}

  get size(): number {
    return this.held.size;
  }

  /** A new session under `id` (one held under it already ends), ending the least recently used when full. */
  set(id: string, value: T, now: number): void {
    this.delete(id);
    this.sweep(now);
    for (const oldest of this.held.keys()) {
      if (this.held.size < this.max) break;
      this.delete(oldest);
    }
    const held = { value, createdAt: now, usedAt: now };
    this.held.set(id, held);
    this.byStart.set(id, held);
  }

  /** The session, its idle time starting again; undefined when none or ended. */
  get(id: string, now: number): T | undefined {
    this.sweep(now);
    const held = this.held.get(id);
    if (!held) return undefined;
    // Checked by itself too: a clock set back leaves the order of last uses behind it.
    if (!this.alive(held, now)) {
      this.delete(id);
      return undefined;
    }
    held.usedAt = Math.max(held.usedAt, now);
    this.held.delete(id);
    this.held.set(id, held);
    return held.value;
  }

  delete(id: string): boolean {
    const held = this.held.get(id);
    if (!held) return false;
    this.held.delete(id);
    this.byStart.delete(id);
    this.ended(id, held.value);
    return true;
  }

  /** Ends the expired sessions at the front of either order; each stops at the first one alive. */
  sweep(now: number): void {
    for (const order of [this.held, this.byStart]) {
      for (const [id, held] of order) {
        if (this.alive(held, now)) break;
        this.delete(id);
      }
    }
  }

  private alive(held: Held<T>, now: number): boolean {
    // A clock set back does not bring an ended session back: its idle time is counted from its last use either way.
    return Math.abs(now - held.usedAt) < this.ttlMs && Math.abs(now - held.createdAt) < this.maxLifetimeMs;
  }
}
