/**
 * What a subscriber hears: one key changed (revoked, rotated, disabled, scope or
 * budget edited), or `everything` after a gap in which notices may have been lost
 * (the channel's connection dropped and came back).
 */
export type KeyChange = { keyId: string } | { everything: true };

/** Called for every notice; must not throw and must not wait. */
export type KeyChangeListener = (change: KeyChange) => void;

/**
 * Tells every gateway instance sharing a key store that a key changed, so each drops
 * its cached lookup at once instead of after the lookup cache's TTL (a second).
 * PostgreSQL storage announces through LISTEN/NOTIFY, Redis through pub/sub.
 *
 * Failure answer: a channel that cannot publish or has lost its subscription only
 * logs (throttled); caches then expire on their own, so a change still reaches
 * every instance within the lookup cache's TTL. Nothing here ever fails a request.
 */
export interface KeyChangeChannel {
  /** Names the transport in logs and `/health` (`postgres`, `redis`). */
  readonly name: string;
  /**
   * Announces that `keyId` changed, after the change is committed. Bounded by the
   * channel's own timeout; resolves `false` when the notice could not be sent.
   * A store that announces its own changes in the same transaction (PostgreSQL)
   * may resolve `true` without sending anything.
   */
  publish(keyId: string): Promise<boolean>;
  /** Starts listening (once, lazily); returns a function that stops this listener. */
  subscribe(listener: KeyChangeListener): () => void;
  /** Ends the channel's connections; harmless twice. */
  close(): Promise<void>;
}

/** Ids of keys as the stores make them (`key_` + base62 for PostgreSQL, base64url for SQLite); anything else in a notice is not trusted. */
export const keyIdPattern = /^key_[A-Za-z0-9_-]{1,64}$/;

/** A notice's payload as a change: a well-formed key id, or (anything else) `everything`. */
export function parseKeyChange(payload: string | undefined): KeyChange {
  return payload !== undefined && keyIdPattern.test(payload) ? { keyId: payload } : { everything: true };
}
