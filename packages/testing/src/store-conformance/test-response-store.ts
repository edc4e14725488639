import { isStoredResponseTooLarge, type ResponseStore, type StoredResponse } from '@switchyard/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unique } from './helpers.js';

/** Options of the ResponseStore suite. */
export interface ResponseStoreSuiteOptions {
  /**
   * The store's payload bound in bytes, when it has one (database stores): the suite
   * then checks that a larger response throws `StoredResponseTooLarge` and is not written.
   */
  maxPayloadBytes?: number;
}

const minute = 60_000;

/** A response the way the Responses ingress stores one, with text that tests the encoding. */
function storedResponse(ownerKeyId: string, fields: Partial<StoredResponse> = {}): StoredResponse {
  const id = fields.id ?? unique('resp');
  const createdAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 1234);
  return {
    id,
    ownerKeyId,
    response: {
      id,
      object: 'response',
      status: 'completed',
      model: 'openai/gpt-4o-mini',
      output: [{ id: `msg_${id}`, type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'héllo 👋 "quoted" \u0000 nul', annotations: [] }] }],
      usage: { input_tokens: 12, output_tokens: 3, total_tokens: 15 },
    },
    inputItems: [{ id: `item_${id}`, type: 'message', role: 'user', content: [{ type: 'input_text', text: 'say hello' }] }],
    conversationItems: [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'say hello' }] },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'héllo' }] },
    ],
    createdAt,
    expiresAt: new Date(createdAt.getTime() + 30 * 24 * 60 * minute),
    ...fields,
  };
}

/**
 * The suite every ResponseStore implementation passes. `open` is called before each
 * test and returns a store (the suite calls `migrate()` and, after the test,
 * `close()`). Ids and owner keys are random, so a database shared with other suites
 * works; the sweep tests sweep once before they write, so they count only their rows
 * (tests of one file run one after the other).
 */
export function testResponseStore(name: string, open: () => Promise<ResponseStore>, options: ResponseStoreSuiteOptions = {}): void {
  describe(`ResponseStore conformance: ${name}`, () => {
    let store: ResponseStore;

    beforeEach(async () => {
      store = await open();
      await store.migrate();
    });

    afterEach(async () => {
      await store.close();
    });

    it('gives back what was put, payload and times alike (Dates, to the millisecond)', async () => {
      const owner = unique('key');
      const saved = storedResponse(owner);
      await store.put(saved);
      const found = await store.get(owner, saved.id);
      expect(found).toEqual(saved);
      expect(found!.createdAt).toBeInstanceOf(Date);
      expect(found!.expiresAt).toBeInstanceOf(Date);
      expect(found!.createdAt.getTime()).toBe(saved.createdAt.getTime());
      expect(found!.expiresAt.getTime()).toBe(saved.expiresAt.getTime());
    });

    it('returns undefined for an id never stored', async () => {
      expect(await store.get(unique('key'), unique('resp'))).toBeUndefined();
    });

    it('replaces a response put again under the same id', async () => {
      const owner = unique('key');
      const first = storedResponse(owner);
      await store.put(first);
      const second = storedResponse(owner, { id: first.id, response: { id: first.id, status: 'incomplete' }, conversationItems: [{ type: 'message', role: 'user', content: 'again' }] });
      await store.put(second);
      expect(await store.get(owner, first.id)).toEqual(second);
    });

    it('keeps one key from reading, deleting or overwriting another key’s response', async () => {
      const owner = unique('key');
      const other = unique('key');
      const saved = storedResponse(owner);
      await store.put(saved);
      expect(await store.get(other, saved.id)).toBeUndefined();
      expect(await store.delete(other, saved.id)).toBe(false);
      expect(await store.get(owner, saved.id)).toEqual(saved);
    });

    it('deletes a response for its owner once: true, then false, then get finds nothing', async () => {
      const owner = unique('key');
      const saved = storedResponse(owner);
      await store.put(saved);
      expect(await store.delete(owner, saved.id)).toBe(true);
      expect(await store.get(owner, saved.id)).toBeUndefined();
      expect(await store.delete(owner, saved.id)).toBe(false);
    });

    it('answers false when deleting an id that does not exist', async () => {
      expect(await store.delete(unique('key'), unique('resp'))).toBe(false);
    });

    it('hides an expired response from get before any sweep', async () => {
      const owner = unique('key');
      const expired = storedResponse(owner, { expiresAt: new Date(Date.now() - 1000) });
      const live = storedResponse(owner);
      await store.put(expired);
      await store.put(live);
      expect(await store.get(owner, expired.id)).toBeUndefined();
      expect(await store.get(owner, live.id)).toEqual(live);
    });

    it('deleteExpired removes exactly the responses expired at `now`, counts them, and leaves the rest', async () => {
      const now = new Date(Date.now() + 10 * minute);
      await store.deleteExpired(now); // what earlier tests left behind
      const owner = unique('key');
      const expired = [1, 2, 3].map((i) => storedResponse(owner, { expiresAt: new Date(now.getTime() - i * minute) }));
      // Expiring exactly at `now` counts as expired (get hides it from that instant on).
      expired.push(storedResponse(unique('key'), { expiresAt: now }));
      const live = [storedResponse(owner, { expiresAt: new Date(now.getTime() + minute) }), storedResponse(owner)];
      for (const response of [...expired, ...live]) await store.put(response);

      expect(await store.deleteExpired(now)).toBe(expired.length);
      expect(await store.deleteExpired(now)).toBe(0);
      for (const response of live) expect(await store.get(owner, response.id)).toEqual(response);
      // Gone, not only hidden: a sweep of the past would find them if they were still there.
      for (const response of expired) expect(await store.delete(response.ownerKeyId, response.id)).toBe(false);
    });

    it('keeps every one of many responses put at once, and one whole version of an id put concurrently', async () => {
      const owner = unique('key');
      const many = Array.from({ length: 40 }, () => storedResponse(owner));
      await Promise.all(many.map((response) => store.put(response)));
      const found = await Promise.all(many.map((response) => store.get(owner, response.id)));
      expect(found).toEqual(many);

      const id = unique('resp');
      const versions = Array.from({ length: 10 }, (_, turn) => storedResponse(owner, { id, response: { id, turn } }));
      await Promise.all(versions.map((response) => store.put(response)));
      const winner = await store.get(owner, id);
      expect(versions).toContainEqual(winner);
    });

    it.runIf(options.maxPayloadBytes !== undefined)('refuses a response larger than its bound with StoredResponseTooLarge, writing nothing', async () => {
      const owner = unique('key');
      const small = storedResponse(owner);
      await store.put(small);
      const huge = storedResponse(owner, { id: small.id, conversationItems: [{ type: 'message', role: 'user', content: 'x'.repeat(options.maxPayloadBytes ?? 0) }] });
      const failure = await store.put(huge).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isStoredResponseTooLarge(failure)).toBe(true);
      // What the gateway logs of it, even from a store that runs in another thread.
      expect(failure).toMatchObject({ responseId: small.id, maxBytes: options.maxPayloadBytes });
      expect((failure as { bytes: number }).bytes).toBeGreaterThan(options.maxPayloadBytes ?? 0);
      // The earlier version under that id is untouched.
      expect(await store.get(owner, small.id)).toEqual(small);
      const fresh = storedResponse(owner, { conversationItems: huge.conversationItems });
      await expect(store.put(fresh)).rejects.toThrow(/not stored/);
      expect(await store.get(owner, fresh.id)).toBeUndefined();
    });
  });
}
