import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Bidirectional controls and line/paragraph separators in admin names: the admin API
 * refused C0/C1 controls but not these, so a key named `\u202e…` reordered what
 * operators read in logs, the CLI and the dashboard. They are refused in what is
 * written (400 naming the field); names stored before stay readable and findable.
 */
let gateway: TestGateway;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-bidi-'));
  gateway = await startTestGateway({ providers: { mock: {} }, storage: { use: 'sqlite' }, server: { data_dir: dataDir } });
});
afterAll(async () => {
  await gateway?.close();
  await rm(dataDir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  body: { error?: { message?: string; type?: string; param?: string | null; code?: string } } & Record<string, unknown>;
}
async function admin(method: string, path: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${gateway.origin}/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${masterKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

const invisible = [
  ['U+202E right-to-left override', '\u202e'],
  ['U+202A left-to-right embedding', '\u202a'],
  ['U+2066 left-to-right isolate', '\u2066'],
  ['U+2069 pop directional isolate', '\u2069'],
  ['U+200E left-to-right mark', '\u200e'],
  ['U+200F right-to-left mark', '\u200f'],
  ['U+061C Arabic letter mark', '\u061c'],
  ['U+2028 line separator', '\u2028'],
  ['U+2029 paragraph separator', '\u2029'],
] as const;

describe('admin names with bidi controls or line separators', () => {
  it.each(invisible)('%s in a created key’s name, team or project → 400 naming it', async (_what, char) => {
    for (const [param, body] of [
      ['name', { name: `invoice${char}fdp.exe` }],
      ['team', { name: 'k', team: `t${char}` }],
      ['project', { name: 'k', project: `${char}p` }],
      ['tags[0]', { name: 'k', tags: [`a${char}b`] }],
    ] as const) {
      const answer = await admin('POST', '/keys', body);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request', param });
      expect(answer.body.error?.message).toContain(param);
    }
  });

  it('in an update → 400, and the key is unchanged', async () => {
    const created = await admin('POST', '/keys', { name: 'plain' });
    const id = (created.body['key'] as { id: string }).id;
    const answer = await admin('PATCH', `/keys/${id}`, { name: 'gnp.\u202eexe' });
    expect(answer).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', param: 'name' } } });
    expect(((await admin('GET', `/keys/${id}`)).body['key'] as { name: string }).name).toBe('plain');
  });

  it('a key stored with one before stays readable, findable by its team, and editable', async () => {
    const stored = await gateway.gateway.runtime.storage!.keys.create(
      { name: 'old\u202ename', team: 'team\u2067x', tags: [] },
      { hash: 'a'.repeat(64), prefix: 'sy-old' },
    );
    expect(((await admin('GET', `/keys/${stored.id}`)).body['key'] as { name: string }).name).toBe('old\u202ename');
    const listed = await admin('GET', `/keys?team=${encodeURIComponent('team\u2067x')}`);
    expect(listed.status).toBe(200);
    expect((listed.body['data'] as Array<{ id: string }>).map((key) => key.id)).toEqual([stored.id]);
    const renamed = await admin('PATCH', `/keys/${stored.id}`, { scope: { rpm: 5 } });
    expect(renamed.status).toBe(200);
  });

  it('right-to-left text itself is still a name', async () => {
    expect((await admin('POST', '/keys', { name: 'مفتاح الفريق', team: 'צוות' })).status).toBe(201);
  });
});

/**
 * Other invisible format characters (Unicode Cf): a team `ops\u200b` looks like `ops`
 * everywhere it is shown and is another team, with its own budget; a name with a soft
 * hyphen or a byte order mark finds nothing when typed as it reads. They were accepted.
 */
const hidden = [
  ['U+200B zero-width space', '\u200b'],
  ['U+FEFF byte order mark', '\ufeff'],
  ['U+00AD soft hyphen', '\u00ad'],
  ['U+2060 word joiner', '\u2060'],
  ['U+180E Mongolian vowel separator', '\u180e'],
  ['U+FFF9 interlinear annotation anchor', '\ufff9'],
  ['U+E0041 tag latin capital letter A', '\u{e0041}'],
] as const;

describe('admin names with other invisible format characters', () => {
  it.each(hidden)('%s in a created key’s name, team, project or user → 400 naming the field and the character', async (_what, char) => {
    const shown = `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    for (const [param, body] of [
      ['name', { name: `deploy${char}bot` }],
      ['team', { name: 'k', team: `ops${char}` }],
      ['project', { name: 'k', project: `${char}billing` }],
      ['user', { name: 'k', user: `ana${char}` }],
    ] as const) {
      const answer = await admin('POST', '/keys', body);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request', param });
      expect(answer.body.error?.message).toContain(param);
      expect(answer.body.error?.message).toContain(`it holds ${shown}`);
    }
  });

  it('in an update → 400, and the key is unchanged', async () => {
    const created = await admin('POST', '/keys', { name: 'plain', team: 'ops' });
    const id = (created.body['key'] as { id: string }).id;
    const answer = await admin('PATCH', `/keys/${id}`, { team: 'ops\u200b' });
    expect(answer).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', param: 'team' } } });
    expect(((await admin('GET', `/keys/${id}`)).body['key'] as { team: string }).team).toBe('ops');
  });

  it('the zero-width non-joiner and joiner are kept: Persian words and emoji sequences are names', async () => {
    const persian = 'می\u200cخواهم';
    const coder = 'team \u{1f469}\u200d\u{1f4bb}';
    const created = await admin('POST', '/keys', { name: persian, team: coder });
    expect(created.status).toBe(201);
    expect(created.body['key']).toMatchObject({ name: persian, team: coder });
  });
});
