/**
 * The most bytes a stored response's JSON payload (response, input items and
 * conversation items together) may take in a database-backed response store, unless
 * the storage plugin is configured otherwise. A conversation continued turn after
 * turn grows with every turn; past this it is not stored.
 */
export const DEFAULT_MAX_STORED_RESPONSE_BYTES = 4 * 1024 * 1024;

/**
 * Thrown by `ResponseStore.put` when a response's payload is larger than the store
 * keeps. Nothing is written. It is not an outage: the request that produced the
 * response has succeeded and must still be answered; the caller leaves the response
 * unstored (a later `previous_response_id` naming it gets 404), and the gateway logs
 * and counts it (`switchyard_stored_responses_total{result="too_large"}`).
 */
export class StoredResponseTooLarge extends Error {
  override readonly name = 'StoredResponseTooLarge';
  readonly code = 'stored_response_too_large';
  constructor(
    readonly responseId: string,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`response ${responseId} is ${bytes} bytes as JSON, more than the ${maxBytes} the response store keeps; it was not stored`);
  }
}

/** Whether an error is a StoredResponseTooLarge from this or another copy of core (by name and code, not `instanceof`). */
export function isStoredResponseTooLarge(error: unknown): error is StoredResponseTooLarge {
  return error instanceof Error && error.name === 'StoredResponseTooLarge' && (error as { code?: unknown }).code === 'stored_response_too_large';
}

/**
 * The JSON a database store writes for a response's payload, checked against
 * `maxBytes` first. One serialization, measured in UTF-8 bytes (what the column holds).
 */
export function serializeStoredPayload(
  response: { id: string; response: unknown; inputItems: unknown[]; conversationItems: unknown[] },
  maxBytes: number,
): string {
  const json = JSON.stringify({ response: response.response, inputItems: response.inputItems, conversationItems: response.conversationItems });
  // A string's UTF-8 size is at most 3 bytes per UTF-16 unit: only long ones need counting.
  const bytes = json.length * 3 <= maxBytes ? json.length : Buffer.byteLength(json, 'utf8');
  if (bytes > maxBytes) throw new StoredResponseTooLarge(response.id, bytes, maxBytes);
  return json;
}
