import { builtInPlugins } from '@switchyard/cli';
import { createGateway } from '@switchyard/core';
import { expect, it } from 'vitest';

/**
 * Keys written in the config (`auth.keys`) are told apart by name: a key's identity is
 * `static:<name>`, under which its usage is recorded, its rate limits counted and its stored
 * responses kept. Two entries of one name were taken: two holders shared one identity, and
 * each could read the other's stored responses. Two entries of one key were taken too: the
 * later one's owner silently got every request of the earlier.
 */
const keyA = 'sk-static-aaaa-0123456789abcdef';
const keyB = 'sk-static-bbbb-0123456789abcdef';

async function problemsOf(keys: unknown[]): Promise<Array<{ path: string; message: string }> | undefined> {
  const built = createGateway({ providers: { mock: {} }, chain: [{ auth: { keys } }, 'route', 'adapter'] }, { plugins: builtInPlugins });
  return built.then(
    async (gateway) => {
      await gateway.close();
      return undefined;
    },
    (error: unknown) => (error as { problems?: Array<{ path: string; message: string }> }).problems ?? [{ path: '', message: String(error) }],
  );
}

it('two keys of one name are refused at start, naming the second', async () => {
  const problems = await problemsOf([
    { name: 'ci', key: keyA, team: 'red' },
    { name: 'ci', key: keyB, team: 'blue' },
  ]);
  expect(problems?.map((problem) => problem.path)).toEqual(['/chain/0/auth/keys/1/name']);
  expect(problems?.[0]?.message).toMatch(/keys\/0/);
});

it('one key written twice is refused at start, naming the second, without the key in the message', async () => {
  const problems = await problemsOf([
    { name: 'ci', key: keyA },
    { name: 'deploy', key: keyA },
  ]);
  expect(problems?.map((problem) => problem.path)).toEqual(['/chain/0/auth/keys/1/key']);
  expect(JSON.stringify(problems)).not.toContain(keyA);
});

it('distinct names and keys start', async () => {
  expect(
    await problemsOf([
      { name: 'ci', key: keyA },
      { name: 'deploy', key: keyB },
    ]),
  ).toBeUndefined();
});
