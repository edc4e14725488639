/**
 * Most secrets one key keeps working at once: its newest and the ones still in a
 * rotation's grace period. A rotation that would make one more ends the oldest at once,
 * so rotating in a loop with a long grace period cannot leave a key with dozens of
 * working secrets (each one more to leak, and one more row every lookup of the key loads).
 */
export const MAX_LIVE_SECRETS_PER_KEY = 10;
