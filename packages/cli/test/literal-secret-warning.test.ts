import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../../../test/support/run-cli.js';

const providerKey = 'sk-proj-literal-Hd8Jf2Mq6Wz1Xc4Vb7Np0';
const awsSecret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYLITERALKEY';
const masterKey = 'sy-master-literal-Vq3Lx9Tz2Kw7Rb5N';

const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

async function folderWith(name: string, text: string): Promise<string> {
  const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-literal-secret-'));
  folders.push(cwd);
  await writeFile(path.join(cwd, name), text);
  return cwd;
}

const yaml = [
  `master_key: ${masterKey}`,
  'providers:',
  '  mock: {}',
  '  openai:',
  `    api_key: ${providerKey}`,
  '  local:',
  '    use: openai',
  '    api_key: ollama',
  '    base_url: http://127.0.0.1:11434/v1',
  '  anthropic:',
  '    api_key: ${ANTHROPIC_API_KEY}',
  '  bedrock:',
  '    region: us-east-1',
  '    access_key_id: AKIAIOSFODNN7EXAMPLE',
  `    secret_access_key: ${awsSecret}`,
  '',
].join('\n');

const expectedWarnings = [
  'switchyard.config.yaml:1 master_key: a secret written in the config file, which is copied, committed and shared with it; set SWITCHYARD_MASTER_KEY instead, or write master_key: ${SWITCHYARD_MASTER_KEY}',
  'switchyard.config.yaml:5 providers.openai.api_key: a secret written in the config file, which is copied, committed and shared with it; write api_key: ${OPENAI_API_KEY} and set that variable',
  'switchyard.config.yaml:15 providers.bedrock.secret_access_key: a secret written in the config file, which is copied, committed and shared with it; write secret_access_key: ${BEDROCK_SECRET_ACCESS_KEY} and set that variable',
];

function expectNoSecrets(...texts: string[]): void {
  for (const text of texts) for (const secret of [providerKey, awsSecret, masterKey, providerKey.slice(-12), awsSecret.slice(-12)]) expect(text).not.toContain(secret);
}

describe('a secret written out in the config file (not ${VAR})', () => {
  it('validate: valid, exit 0, one warning per secret with its line, the secret never printed; ${VAR} and short names pass', async () => {
    const cwd = await folderWith('switchyard.config.yaml', yaml);
    const { code, stdout, stderr } = await runCli(['validate'], { cwd, env: { ANTHROPIC_API_KEY: 'sk-ant-from-the-env-0123456789' } });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^switchyard\.config\.yaml: valid/);
    expect(stderr).toBe(expectedWarnings.map((line) => `switchyard: warning: ${line}\n`).join(''));
    expectNoSecrets(stdout, stderr);
  });

  it('start: warned once in the log, the secret never printed', async () => {
    const cwd = await folderWith('switchyard.config.yaml', yaml);
    const gateway = await startCli(['--port', '0'], { cwd, env: { ANTHROPIC_API_KEY: 'sk-ant-from-the-env-0123456789', SWITCHYARD_MASTER_KEY: '' } });
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
    const warnings = gateway
      .stdout()
      .split('\n')
      .filter((line) => line.includes('a secret written in the config file'))
      .map((line) => (JSON.parse(line) as { level: number; msg: string }));
    expect(warnings).toEqual(expectedWarnings.map((msg) => expect.objectContaining({ level: 40, msg })));
    expectNoSecrets(gateway.stdout(), gateway.stderr());
  }, 30_000);

  it('a config with every secret from the environment: no warning', async () => {
    const cwd = await folderWith('switchyard.config.yaml', 'providers:\n  openai:\n    api_key: ${OPENAI_API_KEY}\n');
    const { code, stderr } = await runCli(['validate'], { cwd, env: { OPENAI_API_KEY: providerKey } });
    expect(code).toBe(0);
    expect(stderr).toBe('');
  });
});
