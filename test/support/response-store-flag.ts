import type OpenAI from 'openai';

/**
 * The `store` flag of a Responses API Response object: OpenAI sends it, and so does the
 * gateway, but the openai SDK's `Response` type leaves it out.
 */
export function storeFlagOf(response: OpenAI.Responses.Response | undefined): boolean | null | undefined {
  return (response as (OpenAI.Responses.Response & { store?: boolean | null }) | undefined)?.store;
}
