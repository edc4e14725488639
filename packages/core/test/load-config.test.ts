import { mkdtemp, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/index.js';

async function folderWith(files: Record<string, string>): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), 'switchyard-config-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(folder, name), text);
  return folder;
}

async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('loadConfig', () => {
  it('falls back to the built-in defaults when no file is found', async () => {
    const cwd = await folderWith({});
    const { config, file } = await loadConfig({ cwd, env: {} });
    expect(file).toBeUndefined();
    expect(config.server).toEqual({
      host: '127.0.0.1',
      port: 4000,
      body_limit: '4mb',
      shutdown_timeout_ms: 10000,
      drain_delay_ms: 0,
      data_dir: '.switchyard',
      workers: 1,
      headers_timeout_ms: 15000,
      request_timeout_ms: 60000,
      keep_alive_timeout_ms: 5000,
      trust_proxy: 0,
      cost_header: false,
      fast_path: true,
      heap_growing_percent: 20,
    });
    expect(config.metrics).toEqual({ enabled: true, process_metrics: true });
    expect(config.limits).toEqual({
      max_json_depth: 64,
      max_json_keys: 50000,
      max_messages: 4096,
      max_model_name_length: 256,
      stream_max_duration_ms: 1800000,
      stream_max_bytes: 268435456,
      client_stall_ms: 60000,
      upstream_connections_per_origin: 128,
      model_list_timeout_ms: 10000,
    });
    expect(config.providers).toEqual({ mock: {} });
    expect(config.chain).toEqual(['auth', 'key-scope', 'rate-limit', 'circuit-breaker', 'route', 'adapter']);
  });

  it('finds switchyard.config.yaml and resolves ${VAR} and ${VAR:-default}', async () => {
    const cwd = await folderWith({
      'switchyard.config.yaml': [
        'server:',
        '  port: ${PORT:-4321}',
        'providers:',
        '  openai:',
        '    api_key: ${OPENAI_API_KEY}',
        '    base_url: ${OPENAI_BASE:-https://api.openai.com/v1}/',
        'models:',
        '  fast: mock/echo',
      ].join('\n'),
    });
    const { config, file } = await loadConfig({ cwd, env: { OPENAI_API_KEY: 'sk-test-123' } });
    expect(file).toBe('switchyard.config.yaml');
    expect(config.server.port).toBe(4321);
    expect(config.providers['openai']).toEqual({ api_key: 'sk-test-123', base_url: 'https://api.openai.com/v1/' });
    expect(config.models).toEqual({ fast: 'mock/echo' });
  });

  it('reports every problem with its file, line, path and expectation', async () => {
    const cwd = await folderWith({
      'custom.yaml': ['server:', '  port: "eighty"', '  colour: blue', 'providers:', '  openai:', '    api_key: ${MISSING_KEY}', 'chain: []'].join('\n'),
    });
    const error = await configError(loadConfig({ cwd, file: 'custom.yaml', env: {} }));
    expect(error.formatLines()).toEqual([
      'custom.yaml:2 server.port: expected integer',
      'custom.yaml:3 server.colour: unknown key (not allowed here)',
      'custom.yaml:6 providers.openai.api_key: environment variable MISSING_KEY is not set (write ${MISSING_KEY:-default} for a default)',
      'custom.yaml:7 chain: expected at least 1 item(s)',
    ]);
  });

  it('says so when the named file does not exist', async () => {
    const cwd = await folderWith({});
    const error = await configError(loadConfig({ cwd, file: 'nope.yaml', env: {} }));
    expect(error.formatLines()).toEqual(['nope.yaml (top level): cannot read config: file not found']);
  });

  it('a variable of digits becomes a number only when the number reads back the same: a key of digits stays a string', async () => {
    const cwd = await folderWith({
      'switchyard.config.yaml': ['server:', '  port: ${PORT}', 'metrics:', '  token: ${TOKEN}', 'providers:', '  openai:', '    api_key: "${KEY}"'].join('\n'),
    });
    const { config } = await loadConfig({ cwd, env: { PORT: '4321', TOKEN: '98765432109876543210', KEY: '0123456789012345678901' } });
    expect(config.server.port).toBe(4321);
    expect(config.metrics.token).toBe('98765432109876543210');
    expect(config.providers['openai']).toEqual({ api_key: '0123456789012345678901' });
  });

  it('limits.upstream_connections_per_origin takes an integer of 1 to 4096, and refuses anything else at its path', async () => {
    const ok = await folderWith({ 'switchyard.config.yaml': 'limits:\n  upstream_connections_per_origin: 4096\n' });
    expect((await loadConfig({ cwd: ok, env: {} })).config.limits.upstream_connections_per_origin).toBe(4096);
    for (const value of ['0', '4097', '1e309', '2.5', '-1', '"8"', 'many', 'null']) {
      const cwd = await folderWith({ 'switchyard.config.yaml': `limits:\n  upstream_connections_per_origin: ${value}\n` });
      const error = await configError(loadConfig({ cwd, env: {} }));
      expect(error.formatLines()).toEqual([expect.stringMatching(/^switchyard\.config\.yaml:2 limits\.upstream_connections_per_origin: /)]);
    }
  });

  it('a default holding another ${…} is refused, not kept as the text "${B}"', async () => {
    const cwd = await folderWith({ 'switchyard.config.yaml': 'server:\n  host: ${HOST:-${FALLBACK_HOST}}\n' });
    const error = await configError(loadConfig({ cwd, env: { FALLBACK_HOST: '0.0.0.0' } }));
    expect(error.formatLines()).toEqual(['switchyard.config.yaml:2 server.host: a default cannot hold another variable (${HOST:-${FALLBACK_HOST}}); set HOST itself']);
  });

  it('a "${" that starts no variable reference is a problem at its path, the text not quoted (it was the value as written)', async () => {
    const secret = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789';
    const values = ['${OPENAI-API-KEY}', '${}', '${OPENAI_API_KEY', '${KEY-default}', '${1KEY}', `\${${secret}}`, 'prefix-${KEY}-${bad.name}'];
    const cwd = await folderWith({
      'switchyard.config.yaml': ['providers:', ...values.map((value, index) => `  p${index}: { use: openai, api_key: "${value}" }`)].join('\n'),
    });
    const error = await configError(loadConfig({ cwd, env: { KEY: 'k', OPENAI_API_KEY: 'sk-set' } }));
    const message = 'holds a "${" that is not a variable reference: write ${NAME} or ${NAME:-default}, NAME of letters, digits and _ (not starting with a digit)';
    expect(error.formatLines()).toEqual(values.map((_value, index) => `switchyard.config.yaml:${index + 2} providers.p${index}.api_key: ${message}`));
    expect(error.formatLines().join('\n')).not.toContain(secret);
  });

  it('well-formed references resolve beside text, and a "$" without a brace is text', async () => {
    const cwd = await folderWith({ 'switchyard.config.yaml': 'server:\n  host: "${HOST_PREFIX}-${HOST_SUFFIX:-b}.internal"\n  data_dir: "./data-$1{x}"\n' });
    const { config } = await loadConfig({ cwd, env: { HOST_PREFIX: 'a' } });
    expect(config.server.host).toBe('a-b.internal');
    expect(config.server.data_dir).toBe('./data-$1{x}');
  });

  it('refuses a model alias no client could ask for (the ingress takes visible ASCII without spaces), which /v1/models listed', async () => {
    const cwd = await folderWith({ 'switchyard.config.yaml': ['models:', '  "bad\\nname": mock/echo', '  "two words": mock/echo', '  fine: mock/echo'].join('\n') });
    const error = await configError(loadConfig({ cwd, env: {} }));
    // Each named at its own key and line (the CLI writes the newline out as \\n when it prints the line).
    expect(error.problems.map((problem) => problem.path)).toEqual(['/models/bad\nname', '/models/two words']);
    expect(error.formatLines()).toEqual([
      'switchyard.config.yaml:2 models.bad\nname: is not a valid name: must match pattern "^[\\x21-\\x7e]{1,1024}$"',
      'switchyard.config.yaml:3 models.two words: is not a valid name: must match pattern "^[\\x21-\\x7e]{1,1024}$"',
    ]);
  });

  it('dashboard.session_max_lifetime_ms defaults to 7 days and is bounded to 1 minute … 24 days', async () => {
    const { config } = await loadConfig({ cwd: await folderWith({}), env: {} });
    expect(config.dashboard.session_max_lifetime_ms).toBe(604_800_000);
    for (const [value, words] of [[59_999, 'must be >= 60000'], [2_073_600_001, 'must be <= 2073600000']] as const) {
      const cwd = await folderWith({ 'switchyard.config.yaml': `dashboard:\n  session_max_lifetime_ms: ${value}\n` });
      const error = await configError(loadConfig({ cwd, env: {} }));
      expect(error.formatLines()).toEqual([`switchyard.config.yaml:2 dashboard.session_max_lifetime_ms: ${words}`]);
    }
  });

  it('a YAML alias inside its own anchor (a cycle) is one problem naming the path, not a stack overflow', async () => {
    const cwd = await folderWith({ 'switchyard.config.yaml': ['server: &loop', '  host: 127.0.0.1', '  again: *loop'].join('\n') });
    const error = await configError(loadConfig({ cwd, env: {} }));
    expect(error.formatLines()).toEqual(['switchyard.config.yaml:3 server.again: refers to itself (a YAML alias inside its own anchor): a config is a tree']);
  });

  it('nesting deeper than a config ever needs is one problem naming where, not a stack overflow', async () => {
    // JSON: the yaml parser gives up on its own long before this depth, with its own words.
    const cwd = await folderWith({ 'deep.json': `{"providers":{"mock":{"x":${'['.repeat(20_000)}${']'.repeat(20_000)}}}}` });
    const error = await configError(loadConfig({ cwd, file: 'deep.json', env: {} }));
    expect(error.problems).toHaveLength(1);
    expect(error.formatLines()[0]).toMatch(/^deep\.json:1 providers\.mock\.x(\[0\])+: nested deeper than 64 levels$/);
  });

  it('YAML merge keys (`<<: *anchor`, `<<: [*a, *b]`) merge the anchored maps; keys written beside them win', async () => {
    // `<<` was read as a key of its own: refused where the schema lists the keys, kept as a key named "<<" elsewhere.
    const cwd = await folderWith({
      'switchyard.config.yaml': [
        'server: &server',
        '  host: 127.0.0.1',
        '  port: 4100',
        'providers:',
        '  mock: &slow { chunk_delay_ms: 50, models: [echo] }',
        '  fast:',
        '    <<: *slow',
        '    use: mock',
        '    chunk_delay_ms: 1',
        '  both:',
        '    <<: [{ chunk_delay_ms: 7 }, *slow, *server]',
        '    use: mock',
      ].join('\n'),
    });
    const { config } = await loadConfig({ cwd, env: {} });
    expect(config.providers['fast']).toEqual({ chunk_delay_ms: 1, models: ['echo'], use: 'mock' });
    // The first map of a list wins over later ones.
    expect(config.providers['both']).toEqual({ chunk_delay_ms: 7, models: ['echo'], host: '127.0.0.1', port: 4100, use: 'mock' });
    expect(config.server.port).toBe(4100);
  });

  it('merge keys stay within the alias bounds: an expansion that doubles at every level, or a map merged into itself, is one problem, not memory', async () => {
    const doubling = ['providers:', '  mock:', '    l0: &l0 { a: 1, b: 2 }'];
    for (let level = 1; level <= 40; level++) doubling.push(`    l${level}: &l${level} { x: { <<: *l${level - 1} }, y: { <<: *l${level - 1} } }`);
    const selfMerge = ['providers:', '  mock: &self', '    chunk_delay_ms: 1', '    nested:', '      <<: *self'];
    for (const lines of [doubling, selfMerge]) {
      const cwd = await folderWith({ 'switchyard.config.yaml': lines.join('\n') });
      const error = await configError(loadConfig({ cwd, env: {} }));
      expect(error.formatLines()).toEqual([
        'switchyard.config.yaml (top level): cannot read config: YAML aliases and merge keys (<<) repeat a part more than 100 times in all, or a map is merged into itself; a config is read as a tree',
      ]);
    }
  });

  it('an empty config file named with --config (0 bytes, blank, only comments, a null document) is refused, not run on the built-in defaults', async () => {
    const message = 'cannot read config: the file holds no settings (it is empty, or only comments): a config file that says nothing is most likely a mistake; write {} in it to run on the built-in defaults';
    for (const [name, text] of [['empty.yaml', ''], ['blank.yaml', '  \n\n'], ['comments.yaml', '# the settings go here\n'], ['dashes.yaml', '---\n'], ['null.yaml', '~\n'], ['empty.json', ''], ['null.json', 'null']]) {
      const cwd = await folderWith({ [name!]: text! });
      const error = await configError(loadConfig({ cwd, file: name!, env: {} }));
      expect(error.formatLines(), name).toEqual([`${name} (top level): ${message}`]);
    }
    // `{}` says "the defaults" in so many words.
    const cwd = await folderWith({ 'defaults.yaml': '{}\n' });
    expect((await loadConfig({ cwd, file: 'defaults.yaml', env: {} })).config.server.port).toBe(4000);
  });

  it('an empty config file found without --config is refused too, not skipped for the next name or the defaults', async () => {
    // It was skipped: the next name found (.switchyardrc.json) served, or the built-in defaults did.
    const shadowing = await folderWith({ 'switchyard.config.yaml': '# to do\n', '.switchyardrc.json': '{"server": {"port": 4321}}' });
    const alone = await folderWith({ 'switchyard.config.yml': '' });
    for (const [cwd, name] of [[shadowing, 'switchyard.config.yaml'], [alone, 'switchyard.config.yml']] as const) {
      const error = await configError(loadConfig({ cwd, env: {} }));
      expect(error.formatLines()[0]).toMatch(new RegExp(`^${name.replace(/\./g, '\\.')} \\(top level\\): cannot read config: the file holds no settings`));
    }
    // A package.json without a "switchyard" key is no config: the search goes on, past it, to the defaults.
    const project = await folderWith({ 'package.json': '{"name": "app"}' });
    expect((await loadConfig({ cwd: project, env: {} })).file).toBeUndefined();
  });

  it('a file that does not parse is named with its line, whether found or given', async () => {
    const cwd = await folderWith({ 'switchyard.config.yaml': 'server:\n  port: 4000\nserver: {}\n' });
    const found = await configError(loadConfig({ cwd, env: {} }));
    expect(found.formatLines()).toEqual(['switchyard.config.yaml:3 (top level): cannot read config: Map keys must be unique at line 3, column 1']);
    const given = await configError(loadConfig({ cwd, file: 'switchyard.config.yaml', env: {} }));
    expect(given.formatLines()).toEqual(found.formatLines());
  });

  it('a config file over 1 MiB is refused in one line before it is parsed, found or given, YAML or JSON', async () => {
    const big = `# ${'x'.repeat(1024 * 1024)}\nserver: {}\n`;
    const cwd = await folderWith({ 'switchyard.config.yaml': big, 'big.json': `{"server": {}, "pad": "${'x'.repeat(1024 * 1024)}"}` });
    const reason = /^cannot read config: the file is 1\.0 MiB \(\d+ bytes\); a config file may be at most 1 MiB \(1048576 bytes\)$/;
    for (const [file, name] of [[undefined, 'switchyard.config.yaml'], ['switchyard.config.yaml', 'switchyard.config.yaml'], ['big.json', 'big.json']] as const) {
      const error = await configError(loadConfig({ cwd, ...(file && { file }), env: {} }));
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]!.message).toMatch(reason);
      expect(error.formatLines()).toEqual([`${name} (top level): ${error.problems[0]!.message}`]);
    }
    // A JavaScript config named with --config too.
    await writeFile(path.join(cwd, 'big.cjs'), `module.exports = {};\n// ${'x'.repeat(1024 * 1024)}\n`);
    expect((await configError(loadConfig({ cwd, file: 'big.cjs', env: {} }))).problems[0]!.message).toMatch(reason);
    // Named with --config, a file is measured before it is read: a 3 GiB one (sparse here) is not read into memory first.
    const huge = path.join(cwd, 'huge.yaml');
    await writeFile(huge, '');
    await truncate(huge, 3 * 1024 ** 3);
    const error = await configError(loadConfig({ cwd, file: 'huge.yaml', env: {} }));
    expect(error.formatLines()).toEqual(['huge.yaml (top level): cannot read config: the file is 3072.0 MiB (3221225472 bytes); a config file may be at most 1 MiB (1048576 bytes)']);
    // Exactly at the bound is read.
    const atBound = `server: {}\n# ${'x'.repeat(1024 * 1024 - 14)}\n`;
    expect(Buffer.byteLength(atBound)).toBe(1024 * 1024);
    const { config } = await loadConfig({ cwd: await folderWith({ 'switchyard.config.yaml': atBound }), env: {} });
    expect(config.server.port).toBe(4000);
  });

  // 60 s each: a linear read takes 1–6 s here, ~24 s once on a CI machine running every test file, while the
  // yaml package's own duplicate check (each key compared with every earlier one) took ~20 s for ONE such file
  // on an idle machine, and each case below reads at least two.
  describe('a map of many keys (50,000 models, ~1 MiB) is read in linear time', { timeout: 60_000 }, () => {
    const entries = Array.from({ length: 50_000 }, (_, index) => `m${index}: mock/echo`);
    const flow = `models: {${entries.join(', ')}}\n`;
    const block = `models:\n${entries.map((entry) => `  ${entry}`).join('\n')}\n`;

    it('as a block map and as a flow map', async () => {
      expect(Buffer.byteLength(block)).toBeLessThan(1024 * 1024);
      for (const text of [flow, block]) {
        const { config } = await loadConfig({ cwd: await folderWith({ 'switchyard.config.yaml': text }), env: {} });
        expect(Object.keys(config.models)).toHaveLength(50_000);
      }
    });

    it('a key written twice in it is still refused with its line, and a problem in it is pointed at by its line', async () => {
      const twice = await configError(loadConfig({ cwd: await folderWith({ 'switchyard.config.yaml': `${block}  m49999: mock/echo\n` }), env: {} }));
      expect(twice.formatLines()).toEqual(['switchyard.config.yaml:50002 (top level): cannot read config: Map keys must be unique at line 50002, column 3']);
      // Finding the line parses the file again.
      const badPort = await configError(loadConfig({ cwd: await folderWith({ 'switchyard.config.yaml': `${block}server:\n  port: nope\n` }), env: {} }));
      expect(badPort.formatLines()).toEqual(['switchyard.config.yaml:50003 server.port: expected integer']);
      const inFlow = await configError(loadConfig({ cwd: await folderWith({ 'switchyard.config.yaml': 'server: {port: 1, host: a, port: 2}\n' }), env: {} }));
      expect(inFlow.formatLines()).toEqual(['switchyard.config.yaml:1 (top level): cannot read config: Map keys must be unique at line 1, column 28']);
    });
  });

  it('an unquoted ${VAR} inside { } (YAML reads its braces as a map) is refused with the fix, not only the parser\'s words', async () => {
    const cwd = await folderWith({ 'switchyard.config.yaml': 'providers:\n  openai: { api_key: ${OPENAI_API_KEY} }\n' });
    const error = await configError(loadConfig({ cwd, env: { OPENAI_API_KEY: 'sk-test' } }));
    expect(error.formatLines()).toEqual([
      'switchyard.config.yaml:2 (top level): cannot read config: Unexpected flow-map-start at node end at line 2, column 23; inside { } or [ ] quote a variable: "${OPENAI_API_KEY}"',
    ]);
  });

  it('$import (cosmiconfig merges the files it names) is refused in one line with its line, in every kind of config file; the named file is never read', async () => {
    const reason = 'cannot read config: $import is not supported: a config is one file (repeat a part with YAML anchors and merge keys, a secret with ${VAR})';
    const cwd = await folderWith({
      // The imported files would be valid: silently merged, their problems were pointed at this file's lines.
      'switchyard.config.yaml': '# shared parts\nserver:\n  port: 4001\n$import: [providers.yaml, missing.yaml]\n',
      'providers.yaml': 'providers:\n  mock: {}\n',
      'quoted.yml': 'server: {}\n"$import": providers.yaml\n',
      'settings.json': '{\n  "server": {},\n  "$import": "providers.yaml"\n}\n',
      'config.cjs': "module.exports = { $import: 'providers.yaml' };\n",
    });
    const found = await configError(loadConfig({ cwd, env: {} }));
    expect(found.formatLines()).toEqual([`switchyard.config.yaml:4 (top level): ${reason}`]);
    const named = await configError(loadConfig({ cwd, file: 'switchyard.config.yaml', env: {} }));
    expect(named.formatLines()).toEqual(found.formatLines());
    expect((await configError(loadConfig({ cwd, file: 'quoted.yml', env: {} }))).formatLines()).toEqual([`quoted.yml:2 (top level): ${reason}`]);
    expect((await configError(loadConfig({ cwd, file: 'settings.json', env: {} }))).formatLines()).toEqual([`settings.json:3 (top level): ${reason}`]);
    expect((await configError(loadConfig({ cwd, file: 'config.cjs', env: {} }))).formatLines()).toEqual([`config.cjs (top level): ${reason}`]);
    // In package.json, under its "switchyard" key.
    const project = await folderWith({ 'package.json': '{\n  "name": "app",\n  "switchyard": { "$import": "providers.yaml" }\n}\n', 'providers.yaml': 'providers:\n  mock: {}\n' });
    expect((await configError(loadConfig({ cwd: project, env: {} }))).formatLines()).toEqual([`package.json:3 (top level): ${reason}`]);
    // Only at the top level is it cosmiconfig's: deeper it is an unknown key like any other.
    const nested = await configError(loadConfig({ cwd: await folderWith({ 'switchyard.config.yaml': 'server:\n  $import: x.yaml\n' }), env: {} }));
    expect(nested.formatLines()).toEqual(['switchyard.config.yaml:2 server.$import: unknown key (not allowed here)']);
  });

  it('a JSON file that does not parse says why and where, not only "JSON Error in <path>:"', async () => {
    const cwd = await folderWith({ 'switchyard.config.json': '{\n  "server": {"port": 4000,}\n}\n' });
    const error = await configError(loadConfig({ cwd, env: {} }));
    expect(error.formatLines()).toHaveLength(1);
    expect(error.formatLines()[0]).toMatch(/^switchyard\.config\.json:2 \(top level\): cannot read config: .*JSON at position 28\b/);
  });
});
