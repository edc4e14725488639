/**
 * A stored Responses API response (`store: true`, the default): what `GET
 * /v1/responses/{id}` returns, what `input_items` lists, and what a later request's
 * `previous_response_id` continues from. Kept per virtual key: one key never reads,
 * continues or deletes another key's responses.
 */
export interface StoredResponse {
  /** `resp_…`, made by the gateway. */
  id: string;
  /** The virtual key that created it (`key_…`), or `master` for the master key. */
  ownerKeyId: string;
  /** The response object exactly as the client received it (the Responses API JSON shape). */
  response: unknown;
  /** This turn's input items in Responses item form, each with its `id` (for `input_items`). */
  inputItems: unknown[];
  /**
   * The whole conversation up to and including this response's output, in Responses
   * item form: what a request naming it as `previous_response_id` is prefixed with.
   * Kept whole so a conversation continues even when an earlier turn has expired.
   */
  conversationItems: unknown[];
  createdAt: Date;
  /** After this it is gone: `get` returns undefined and a sweep may delete it. */
  expiresAt: Date;
}

/**
 * Where stored responses live: in process memory for a single instance, in the
 * storage plugin's database (SQLite, PostgreSQL) so a conversation continues on any
 * instance sharing it. Every call is bounded by the store's own timeouts and fails
 * with `store_unavailable` like the other stores.
 */
export interface ResponseStore {
  migrate(): Promise<void>;
  /**
   * Saves a response; an existing id is replaced. A database store bounds the payload:
   * a response too large to keep throws `StoredResponseTooLarge` and nothing is
   * written (the request itself still succeeds; see stored-response-too-large.ts).
   */
  put(response: StoredResponse): Promise<void>;
  /** The response if it exists, belongs to `ownerKeyId` and has not expired. */
  get(ownerKeyId: string, id: string): Promise<StoredResponse | undefined>;
  /** Deletes it if it belongs to `ownerKeyId`; whether something was deleted. */
  delete(ownerKeyId: string, id: string): Promise<boolean>;
  /** Deletes expired responses; returns how many. Safe from several instances at once. */
  deleteExpired(now?: Date): Promise<number>;
  close(): Promise<void>;
}
