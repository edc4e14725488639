import { createGateway, createLogger } from '@switchyard/core';
import mock from '@switchyard/provider-mock';
import route from '@switchyard/policy-router';
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import auth, { extractApiKey, hashApiKey, keyMatcher, staticKeyResolver } from '../src/index.js';

describe('auth building blocks', () => {
  it('reads Bearer and x-api-key, Bearer first', () => {
    const read = (headers: Record<string, string>) => extractApiKey({ headers } as unknown as express.Request);
    expect(read({ authorization: 'Bearer sy-abc' })).toBe('sy-abc');
    expect(read({ authorization: 'bearer   sy-abc  ' })).toBe('sy-abc');
    expect(read({ 'x-api-key': 'sy-xyz' })).toBe('sy-xyz');
    expect(read({ authorization: 'Basic dXNlcjpwYXNz', 'x-api-key': 'sy-xyz' })).toBe('sy-xyz');
    expect(read({})).toBeUndefined();
  });

  it('matches keys of any length without throwing', () => {
    const matches = keyMatcher('sy-the-real-key-000000');
    expect(matches(hashApiKey('sy-the-real-key-000000'))).toBe(true);
    expect(matches(hashApiKey('sy-the-real-key-00000'))).toBe(false);
    expect(matches(hashApiKey(''))).toBe(false);
    expect(matches(hashApiKey('x'.repeat(10_000)))).toBe(false);
  });

  it('finds static keys with their owner and never keeps the key itself', () => {
    const resolver = staticKeyResolver([{ name: 'ci', key: 'sy-static-key-0123456789', team: 'platform', project: 'build' }]);
    const present = (key: string) => resolver.resolve({ key, digest: hashApiKey(key) });
    const principal = present('sy-static-key-0123456789');
    expect(principal).toEqual({ kind: 'static', keyId: 'static:ci', name: 'ci', team: 'platform', project: 'build' });
    expect(JSON.stringify(principal)).not.toContain('sy-static-key');
    expect(present('sy-static-key-0123456780')).toBeUndefined();
  });
});

describe('the auth step in a gateway', () => {
  async function appWith(authOptions: Record<string, unknown>, masterKey?: string) {
    const gateway = await createGateway(
      { ...(masterKey && { master_key: masterKey }), chain: [{ auth: authOptions }, 'route', 'adapter'] },
      { plugins: [auth, route, mock], logger: createLogger({ level: 'silent' }) },
    );
    return express().use(gateway.router);
  }
  const body = { model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] };

  it('refuses the master key on model endpoints when allow_master_key is false', async () => {
    const app = await appWith({ allow_master_key: false, keys: [{ name: 'a', key: 'sy-static-key-0123456789' }] }, 'sy-master-key-0123456789');
    const master = await request(app).post('/v1/chat/completions').set('authorization', 'Bearer sy-master-key-0123456789').send(body);
    expect(master.status).toBe(401);
    const keyed = await request(app).post('/v1/chat/completions').set('authorization', 'Bearer sy-static-key-0123456789').send(body);
    expect(keyed.status).toBe(200);
  });

  it('answers a repeat key the same way each time, and a near miss of it with 401', async () => {
    const app = await appWith({ keys: [{ name: 'a', key: 'sy-static-key-0123456789' }] });
    for (let attempt = 0; attempt < 3; attempt++) {
      const keyed = await request(app).post('/v1/chat/completions').set('authorization', 'Bearer sy-static-key-0123456789').send(body);
      expect(keyed.status).toBe(200);
      const nearMiss = await request(app).post('/v1/chat/completions').set('authorization', 'Bearer sy-static-key-012345678').send(body);
      expect(nearMiss.status).toBe(401);
    }
  });

  it('refuses too-short configured keys at start', async () => {
    await expect(appWith({ keys: [{ name: 'a', key: 'short' }] })).rejects.toMatchObject({
      problems: [{ path: '/chain/0/auth/keys/0/key', message: 'must NOT have fewer than 16 characters' }],
    });
  });
});
