// The issue-10 measurements of the ingress trust boundary, against a real
// `switchyard start` in its own process (so a crash, its RSS and /health can be
// observed from outside): `npm run build && node bench/trust-boundary.js`.
// Prints one line per case; exits non-zero when the gateway died or answered a 5xx.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const masterKey = 'sy-master-bench-trust-0123456789abcdef';

const port = await new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port: free } = probe.address();
    probe.close(() => resolve(free));
  });
});
const dir = mkdtempSync(path.join(os.tmpdir(), 'switchyard-trust-bench-'));
const configFile = path.join(dir, 'switchyard.config.yaml');
writeFileSync(
  configFile,
  [`master_key: ${masterKey}`, 'server:', `  port: ${port}`, `  data_dir: ${dir}`, '  body_limit: 100mb', 'log:', '  level: error', 'providers:', '  mock: {}', ''].join('\n'),
);

const child = spawn(process.execPath, [path.join(root, 'packages/cli/dist/bin.js'), 'start', '--config', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
let exited = false;
let stderr = '';
child.stderr.on('data', (chunk) => (stderr += chunk));
child.on('exit', () => (exited = true));
const origin = `http://127.0.0.1:${port}`;

const rssMb = () => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024);

async function waitUp() {
  for (let tries = 0; tries < 200; tries++) {
    try {
      if ((await fetch(`${origin}/health`)).ok) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the gateway did not start: ${stderr}`);
}

async function post(route, text) {
  const started = performance.now();
  try {
    const response = await fetch(origin + route, { method: 'POST', headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' }, body: text });
    const body = await response.text();
    return { status: response.status, ms: Math.round(performance.now() - started), code: response.ok ? '' : JSON.parse(body).error?.code };
  } catch (error) {
    return { status: 'no answer', ms: Math.round(performance.now() - started), code: error.cause?.code ?? error.message };
  }
}

let failed = false;
function report(what, result) {
  const alive = !exited;
  if (!alive || result.status === 'no answer' || result.status >= 500) failed = true;
  console.log(`${what.padEnd(58)} → ${result.status} ${result.code ?? ''} in ${result.ms} ms; process ${alive ? `alive, RSS ${rssMb()} MB` : 'DEAD'}`);
}

await waitUp();
console.log(`gateway pid ${child.pid}, RSS ${rssMb()} MB at start`);
const chat = (extra) => `{"model":"mock/echo","messages":[{"role":"user","content":"hi"}]${extra}}`;
for (const dimensions of ['1e309', '9007199254740993', '30000000']) {
  report(`embeddings dimensions ${dimensions}`, await post('/v1/embeddings', `{"model":"mock/embed","input":"x","dimensions":${dimensions}}`));
}
report('chat max_tokens 1e309', await post('/v1/chat/completions', chat(',"max_tokens":1e309')));
report('chat model mock/😀', await post('/v1/chat/completions', JSON.stringify({ model: 'mock/😀', messages: [{ role: 'user', content: 'hi' }] })));
const rssBefore = exited ? 0 : rssMb();
let last;
for (let index = 0; index < 20; index++) {
  last = await post('/v1/chat/completions', JSON.stringify({ model: `mock/${index}-${'x'.repeat(3_900_000)}`, messages: [{ role: 'user', content: 'hi' }] }));
}
report('twenty distinct 3.9 MB model names (the last shown)', last);
const healthStarted = performance.now();
const health = await (await fetch(`${origin}/health`)).text();
console.log(`GET /health after them: ${health.length} bytes in ${Math.round(performance.now() - healthStarted)} ms; RSS ${rssBefore} → ${rssMb()} MB`);
for (const where of ['provider_options', 'tools', 'unknown']) {
  const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
  const extra =
    where === 'provider_options' ? `,"provider_options":{"openai":${deep}}` : where === 'tools' ? `,"tools":[{"type":"function","function":{"name":"f","parameters":${deep}}}]` : `,"unknown":${deep}`;
  report(`10,000-deep object in ${where}`, await post('/v1/chat/completions', chat(extra)));
}
report('2,000,000-deep array (4 MB body)', await post('/v1/chat/completions', chat(`,"unknown":${'['.repeat(2_000_000)}${']'.repeat(2_000_000)}`)));

child.kill('SIGTERM');
await new Promise((resolve) => (exited ? resolve() : child.once('exit', resolve)));
rmSync(dir, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
