import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtInPlugins } from '@switchyard/cli';
import { checkGatewayConfig, ConfigError, resolveDataDir } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';

/**
 * No container runtime can build or run images here, so the deployment files are
 * checked by reading them: each must be well-formed, agree with the others (names,
 * labels, ports, secret keys) and carry a config the gateway itself accepts.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

/** Environment a deployment provides, so `${VAR}` references resolve as they would there. */
const deploymentEnv = {
  SWITCHYARD_MASTER_KEY: 'a'.repeat(64),
  DATABASE_URL: 'postgres://switchyard:secret@postgres:5432/switchyard',
  REDIS_URL: 'redis://redis:6379',
  OPENAI_API_KEY: 'sk-test-deploy-0123456789',
  ANTHROPIC_API_KEY: 'sk-ant-test-deploy-0123456789',
};

async function expectGatewayAccepts(configText: string, env: Record<string, string | undefined> = deploymentEnv) {
  const { config } = await checkGatewayConfig(parseYaml(configText), { plugins: builtInPlugins, env });
  return config;
}

/** The problems the gateway finds in a config, as `path: message` lines. */
async function gatewayRefuses(configText: string, env: Record<string, string | undefined>): Promise<string[]> {
  const refused = await checkGatewayConfig(parseYaml(configText), { plugins: builtInPlugins, env }).then(
    () => undefined,
    (error: unknown) => error as ConfigError,
  );
  expect(refused).toBeInstanceOf(ConfigError);
  return refused!.problems.map((problem) => `${problem.path.slice(1).replace(/\//g, '.')}: ${problem.message}`);
}

interface DockerInstruction {
  instruction: string;
  args: string;
  stage: number;
}

/** Dockerfile instructions with continuation lines joined and comments dropped. */
function parseDockerfile(text: string): DockerInstruction[] {
  const instructions: DockerInstruction[] = [];
  let stage = -1;
  let pending = '';
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const whole = (pending + line).trim();
    pending = '';
    const [instruction = '', ...rest] = whole.split(/\s+/);
    const upper = instruction.toUpperCase();
    if (upper === 'FROM') stage++;
    instructions.push({ instruction: upper, args: rest.join(' '), stage });
  }
  return instructions;
}

describe('Dockerfile', () => {
  const instructions = parseDockerfile(read('Dockerfile'));
  const nodeImage = /ARG NODE_IMAGE=(\S+)/.exec(read('Dockerfile'))?.[1];
  const stages = instructions.filter((entry) => entry.instruction === 'FROM');
  const last = stages.length - 1;
  const inFinal = (name: string) => instructions.filter((entry) => entry.stage === last && entry.instruction === name);

  it('builds in one stage and runs from a second, on Node 20 slim', () => {
    expect(nodeImage).toMatch(/^node:20[.\d]*-[a-z]+-slim$|^node:20[.\d]*-slim$/);
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.args).toMatch(/^\$\{NODE_IMAGE\} AS \w+$/);
  });

  it('runs as a non-root user with production dependencies only', () => {
    const users = inFinal('USER');
    expect(users).toHaveLength(1);
    expect(users[0]!.args).not.toMatch(/^(root|0)(:|$)/);
    const build = instructions.filter((entry) => entry.stage === 0 && entry.instruction === 'RUN').map((entry) => entry.args);
    expect(build.some((command) => /npm prune --omit=dev/.test(command))).toBe(true);
    expect(inFinal('ENV').some((entry) => entry.args.includes('NODE_ENV=production'))).toBe(true);
    // The runtime stage compiles nothing and installs nothing itself.
    expect(inFinal('RUN').every((entry) => !/npm (ci|install)|apt-get/.test(entry.args))).toBe(true);
  });

  it('checks /health, drains on SIGTERM and starts the CLI with a mounted config', () => {
    const healthcheck = inFinal('HEALTHCHECK');
    expect(healthcheck).toHaveLength(1);
    expect(healthcheck[0]!.args).toContain('/health');
    expect(inFinal('STOPSIGNAL')[0]?.args).toBe('SIGTERM');
    expect(JSON.parse(inFinal('ENTRYPOINT')[0]!.args)).toEqual(['node', 'packages/cli/dist/bin.js']);
    const command = JSON.parse(inFinal('CMD')[0]!.args) as string[];
    expect(command.slice(0, 3)).toEqual(['start', '--config', '/etc/switchyard/switchyard.config.yaml']);
    expect(inFinal('EXPOSE')[0]?.args).toBe('4000');
  });

  it('copies only files that exist, and the built-in config is one the gateway accepts', async () => {
    for (const copy of instructions.filter((entry) => entry.instruction === 'COPY' && !entry.args.includes('--from='))) {
      const sources = copy.args.split(/\s+/).filter((word) => !word.startsWith('--')).slice(0, -1);
      for (const source of sources) expect(existsSync(path.join(root, source)), source).toBe(true);
    }
    const config = await expectGatewayAccepts(read('deploy/switchyard.config.yaml'), {});
    expect(config.server.host).toBe('0.0.0.0');
    expect(path.isAbsolute(config.server.data_dir)).toBe(true);
  });

  it('keeps secrets, local state and build output out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['.git', 'node_modules', '.switchyard', '.env', '**/dist']) expect(ignored).toContain(entry);
  });

  it('keeps a data folder or .env below the root out of the build context too', () => {
    // Docker anchors a pattern at the context's root (`.switchyard` is only ./.switchyard; `**/` reaches
    // below), and a pattern that matches a folder keeps out all of it. The example's README starts a
    // gateway that writes examples/standalone/.switchyard/master-key, and the build copies examples/.
    const patterns = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => line.replace(/[.+^${}()|[\]\\]/g, '\\$&').split('**/').map((part) => part.replace(/\*/g, '[^/]*')).join('(?:.*/)?'))
      .map((source) => new RegExp(`^${source}(?:/.*)?$`));
    const ignored = (file: string) => patterns.some((pattern) => pattern.test(file));
    for (const file of ['.switchyard/master-key', 'examples/standalone/.switchyard/master-key', 'examples/standalone/.switchyard/switchyard.db', '.env', 'examples/standalone/.env']) {
      expect(ignored(file), file).toBe(true);
    }
    for (const file of ['examples/standalone/switchyard.config.yaml', '.env.example', 'packages/cli/src/bin.ts']) expect(ignored(file), file).toBe(false);
  });
});

describe('.gitignore', () => {
  // deploy.md's Compose steps write the master key and PostgreSQL's password into .env, and
  // .env.example says never to commit it; .gitignore did not list it, so `git add -A` took it.
  it('keeps the files that hold secrets or local state out of git', () => {
    const ignored = (file: string) => {
      const result = spawnSync('git', ['check-ignore', '--no-index', '--quiet', file], { cwd: root });
      expect(result.status, `git check-ignore ${file}: ${String(result.stderr)}`).not.toBe(128);
      return result.status === 0;
    };
    for (const file of ['.env', 'deploy/compose/.env', 'examples/standalone/.env', '.switchyard/master-key', 'examples/standalone/.switchyard/master-key']) {
      expect(ignored(file), file).toBe(true);
    }
    for (const file of ['.env.example', 'compose.yaml']) expect(ignored(file), file).toBe(false);
  });
});

describe("docs/deploy.md's image section", () => {
  // "Mount your own over /etc/switchyard/switchyard.config.yaml", and nothing more: a config
  // written for a laptop listens on 127.0.0.1 inside the container (unreachable through -p,
  // while the HEALTHCHECK from inside passes) and keeps its data in /etc/switchyard/.switchyard.
  it('names each setting the baked-in config changes from the defaults, for a mounted config to keep', async () => {
    const doc = read('docs/deploy.md');
    const section = doc.slice(doc.indexOf('\n### The image'), doc.indexOf('\n## Compose'));
    const baked = parseYaml(read('deploy/switchyard.config.yaml')) as { server: Record<string, unknown> };
    const defaults = (await expectGatewayAccepts('{}')).server as unknown as Record<string, unknown>;
    const changed = Object.entries(baked.server).filter(([key, value]) => !String(value).includes('${') && value !== defaults[key]);
    expect(changed.map(([key]) => key).sort()).toEqual(['data_dir', 'host']);
    for (const [key, value] of changed) expect(section, `server.${key}`).toContain(`\`server.${key}: ${String(value)}\``);
  });
});

describe('compose.yaml', () => {
  const compose = parseYaml(read('compose.yaml')) as {
    services: Record<string, Record<string, unknown> & { healthcheck?: { test: string[] }; depends_on?: Record<string, { condition: string }> }>;
  };
  const gateways = Object.keys(compose.services).filter((name) => name.startsWith('gateway-'));

  it('runs three gateways, PostgreSQL, Redis and a proxy, each with a healthcheck', () => {
    expect(gateways).toHaveLength(3);
    for (const name of [...gateways, 'postgres', 'redis', 'proxy']) {
      expect(compose.services[name], name).toBeDefined();
      expect(compose.services[name]!.healthcheck?.test.length, name).toBeGreaterThan(1);
    }
  });

  it('starts the gateways once the stores are healthy, and the proxy once the gateways are', () => {
    for (const name of gateways) {
      expect(compose.services[name]!.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
      expect(compose.services[name]!['stop_grace_period']).toMatch(/^\d+s$/);
    }
    const proxyNeeds = compose.services['proxy']!.depends_on!;
    for (const name of gateways) expect(proxyNeeds[name]).toEqual({ condition: 'service_healthy' });
  });

  /** nginx.conf's `upstream name { … }` blocks, and which upstream each `location path { … }` passes to. */
  const nginxBlocks = () => {
    const nginx = read('deploy/compose/nginx.conf');
    const upstreams = new Map([...nginx.matchAll(/upstream (\w+) \{([^}]*)\}/g)].map((match) => [match[1]!, match[2]!]));
    const locations = new Map([...nginx.matchAll(/location (\S+) \{([^}]*)\}/g)].map((match) => [match[1]!, /proxy_pass http:\/\/(\w+);/.exec(match[2]!)?.[1]]));
    return { nginx, upstreams, locations };
  };

  it('lets the proxy balance over exactly the gateways it runs', () => {
    const { nginx, upstreams, locations } = nginxBlocks();
    expect(upstreams.size).toBeGreaterThan(0);
    for (const [name, block] of upstreams) {
      const servers = [...block.matchAll(/server (gateway-\d+):4000/g)].map((match) => match[1]);
      expect(servers, name).toEqual(gateways);
    }
    for (const [path, upstream] of locations) if (upstream !== undefined) expect(upstreams.has(upstream), path).toBe(true);
    expect(nginx).toContain('proxy_buffering off');
  });

  it("refuses a body past the gateways' body_limit in the gateway's error shape, not nginx's HTML page", async () => {
    const { nginx } = nginxBlocks();
    const file = (compose.services['gateway-1']!['volumes'] as string[])[0]!.split(':')[0]!;
    const config = await expectGatewayAccepts(read(file));
    const sizes: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
    const toBytes = (size: string) => {
      const [, number, unit = ''] = /^(\d+(?:\.\d+)?)\s*([kmg]?)b?$/i.exec(size)!;
      return Number(number) * sizes[unit.toLowerCase()]!;
    };
    const nginxLimit = /client_max_body_size (\S+);/.exec(nginx)![1]!;
    expect(toBytes(nginxLimit)).toBe(toBytes(String(config.server.body_limit)));
    // Past it nginx answers itself: an HTML 413 that an OpenAI SDK reports as an unreadable error.
    const page = /error_page 413 (@\w+);/.exec(nginx)?.[1];
    expect(page).toBeDefined();
    const start = nginx.indexOf(`location ${page} {`);
    expect(start).toBeGreaterThan(-1);
    const answer = nginx.slice(start, nginx.indexOf('\n    }', start));
    expect(answer).toContain('default_type application/json;');
    const [, status, body] = /return (\d+) '(.*)';/.exec(answer)!;
    expect(Number(status)).toBe(413);
    const parsed = JSON.parse(body!) as { error: { code: string; type: string; message: string; param: null } };
    expect(parsed.error).toEqual({ message: expect.any(String), type: 'invalid_request_error', code: 'request_too_large', param: null });
  });

  it('lets nginx drop an idle connection to a gateway before the gateway closes it', async () => {
    // nginx keeps upstream connections 60 s by default, a gateway 5 s: a request nginx sent on a
    // connection the gateway had just closed failed (a 502, or a POST sent again to another gateway).
    const { upstreams } = nginxBlocks();
    const file = (compose.services['gateway-1']!['volumes'] as string[])[0]!.split(':')[0]!;
    const config = await expectGatewayAccepts(read(file));
    for (const [name, block] of upstreams) {
      if (!/^\s*keepalive \d+;/m.test(block)) continue;
      const timeout = /^\s*keepalive_timeout (\d+)(ms|s)?;/m.exec(block);
      expect(timeout, name).not.toBeNull();
      const ms = Number(timeout![1]) * (timeout![2] === 'ms' ? 1 : 1000);
      expect(ms, name).toBeLessThan(config.server.keep_alive_timeout_ms);
    }
  });

  it("sends a client's dashboard calls to the one gateway that holds its session", () => {
    // Sessions live in the memory of the gateway that made them (docs/dashboard.md): round-robin
    // sent the login to one gateway and the next calls to the other two, 401 two times in three.
    const { upstreams, locations } = nginxBlocks();
    const upstream = locations.get('/dashboard');
    expect(upstream).toBeDefined();
    expect(upstreams.get(upstream!)).toMatch(/^\s*(ip_hash|hash \$(binary_)?remote_addr consistent);/m);
  });

  it('reads every variable it needs from .env, whose example names them all', () => {
    const example = read('.env.example');
    const named = new Set([...example.matchAll(/^([A-Z_]+)=/gm)].map((match) => match[1]));
    const referenced = new Set([...read('compose.yaml').matchAll(/\$\{([A-Z_]+)/g)].map((match) => match[1]));
    for (const variable of referenced) expect(named.has(variable), variable).toBe(true);
    expect(named.has('SWITCHYARD_MASTER_KEY')).toBe(true);
    expect(example).not.toMatch(/^(SWITCHYARD_MASTER_KEY|POSTGRES_PASSWORD)=\S/m);
  });

  it("builds a DATABASE_URL the gateway takes from a password made as .env.example says", async () => {
    // compose puts POSTGRES_PASSWORD into the URL as it is, and gives the database the same text:
    // a password with '/', '#' or '?' was refused at start ("percent-encode it"), which .env cannot do
    // without giving PostgreSQL another password. .env.example named no way to make one.
    const example = read('.env.example');
    // The comment lines right above the variable.
    const above = example.slice(0, example.indexOf('\nPOSTGRES_PASSWORD=')).split('\n');
    const comment = above.slice(above.findLastIndex((line) => !line.startsWith('#')) + 1).join(' ');
    const made = /openssl rand -hex (\d+)/.exec(comment);
    expect(made, comment).not.toBeNull();
    const password = spawnSync('openssl', ['rand', '-hex', made![1]!], { encoding: 'utf8' }).stdout.trim();
    expect(password).toMatch(/^[0-9a-f]{16,}$/);
    const template = (compose.services['gateway-1']!['environment'] as Record<string, string>)['DATABASE_URL']!;
    const url = template.replace(/\$\{POSTGRES_PASSWORD[^}]*\}/, password);
    expect(new URL(url).password).toBe(password);
    const file = (compose.services['gateway-1']!['volumes'] as string[])[0]!.split(':')[0]!;
    const config = await expectGatewayAccepts(read(file), { ...deploymentEnv, DATABASE_URL: url });
    expect((config.storage as { url?: string }).url).toBe(url);
  });

  it('starts with .env as .env.example writes it, whichever provider keys are left empty', async () => {
    // `cp .env.example .env`, set the two secrets it asks for: the provider keys stay empty
    // until the user has one. `${OPENAI_API_KEY:-}` made that an empty api_key, which the
    // provider refuses, so every gateway exited at start.
    const fromExample = Object.fromEntries([...read('.env.example').matchAll(/^([A-Z_]+)=(.*)$/gm)].map((match) => [match[1]!, match[2]!]));
    const file = (compose.services['gateway-1']!['volumes'] as string[])[0]!.split(':')[0]!;
    const env = { ...fromExample, SWITCHYARD_MASTER_KEY: 'a'.repeat(64), POSTGRES_PASSWORD: 'secret', DATABASE_URL: deploymentEnv.DATABASE_URL, REDIS_URL: deploymentEnv.REDIS_URL };
    for (const keys of [{}, { OPENAI_API_KEY: deploymentEnv.OPENAI_API_KEY }, { ANTHROPIC_API_KEY: deploymentEnv.ANTHROPIC_API_KEY }]) {
      const config = await expectGatewayAccepts(read(file), { ...env, ...keys });
      expect(Object.keys(config.providers)).toContain('mock');
    }
    // What the config's comment says to do once .env has the keys: uncomment the providers.
    const uncommented = read(file).replace(/^(\s*)# ((?:openai|anthropic):|  api_key:)/gm, '$1$2');
    const config = await expectGatewayAccepts(uncommented, { ...env, OPENAI_API_KEY: deploymentEnv.OPENAI_API_KEY, ANTHROPIC_API_KEY: deploymentEnv.ANTHROPIC_API_KEY });
    expect(Object.keys(config.providers).sort()).toEqual(['anthropic', 'mock', 'openai']);
  });

  it('mounts a gateway config the gateway accepts, sharing PostgreSQL and Redis', async () => {
    const mount = (compose.services['gateway-1']!['volumes'] as string[])[0]!;
    const file = mount.split(':')[0]!;
    const config = await expectGatewayAccepts(read(file));
    expect(config.storage?.use).toBe('postgres');
    expect(JSON.stringify(config.chain)).toContain('"use":"redis"');
    // nginx retries a draining gateway's 503: the port must stay open to give it.
    expect(config.server.drain_delay_ms).toBeGreaterThan(0);
    // Past the drain, a gateway whose stop hangs exits on its own after 10 s more (it logs why): before compose's SIGKILL.
    const graceSeconds = Number.parseInt(compose.services['gateway-1']!['stop_grace_period'] as string, 10);
    expect((config.server.drain_delay_ms + config.server.shutdown_timeout_ms + 10_000) / 1000).toBeLessThan(graceSeconds);
  });
  it('reads each client address from the X-Forwarded-For nginx appends, the only way to a gateway', async () => {
    // Without server.trust_proxy every dashboard login came from nginx's address: one guesser's ten
    // failed logins a minute answered 429 too_many_logins to every operator behind the proxy.
    const nginx = read('deploy/compose/nginx.conf');
    expect(nginx).toContain('proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;');
    // No gateway publishes a port: every request reaches it through the proxy, so its X-Forwarded-For entry is nginx's.
    for (const name of gateways) expect(compose.services[name]!['ports'], name).toBeUndefined();
    const file = (compose.services['gateway-1']!['volumes'] as string[])[0]!.split(':')[0]!;
    const config = await expectGatewayAccepts(read(file));
    expect(config.server.trust_proxy).toBe(1);
  });
  it('refuses to start a gateway without SWITCHYARD_MASTER_KEY, which each would otherwise make up on its own', async () => {
    // `cp .env.example .env` with the key left empty: three gateways, three generated keys, and
    // an admin call through the proxy refused by two in three. Said at start, by every gateway.
    const file = (compose.services['gateway-1']!['volumes'] as string[])[0]!.split(':')[0]!;
    for (const missing of [undefined, '']) {
      const problems = await gatewayRefuses(read(file), { ...deploymentEnv, SWITCHYARD_MASTER_KEY: missing });
      expect(problems).toEqual(['master_key: environment variable SWITCHYARD_MASTER_KEY is not set (write ${SWITCHYARD_MASTER_KEY:-default} for a default)']);
    }
  });
});

describe("docs/deploy.md's Compose commands", () => {
  // "Create keys through any instance: curl -H \"Authorization: Bearer $SWITCHYARD_MASTER_KEY\" …":
  // the key is in .env, which compose reads and the reader's shell does not, so typed as
  // written it sent "Bearer " and got a 401. Every variable a command reads must be set
  // in the reader's shell by an earlier command of the section.
  it('set every variable they read before reading it', () => {
    const doc = read('docs/deploy.md');
    const section = doc.slice(doc.indexOf('\n## Compose'), doc.indexOf('\n## ', doc.indexOf('\n## Compose') + 1));
    const commands = shellCommands(section);
    expect(commands.some((command) => command.includes('/admin/keys'))).toBe(true);
    expect(variablesReadBeforeSet(commands)).toEqual([]);
  });
});

describe("docs/deploy.md's image commands", () => {
  // `docker run -e SWITCHYARD_MASTER_KEY=$(openssl rand -hex 32) switchyard`: a key made up inside
  // the command line, never printed (the gateway prints only a key it generated), so the reader
  // had a gateway that refused every call they could make.
  it('give the container a master key the shell keeps, and call the gateway with it', () => {
    const doc = read('docs/deploy.md');
    const commands = shellCommands(doc.slice(doc.indexOf('\n### The image'), doc.indexOf('\n## Compose')));
    const run = commands.find((command) => command.startsWith('docker run '));
    expect(run).toMatch(/ -e SWITCHYARD_MASTER_KEY( |$)/);
    expect(commands.some((command) => command.includes('Bearer $SWITCHYARD_MASTER_KEY'))).toBe(true);
    expect(variablesReadBeforeSet(commands)).toEqual([]);
  });
});

/** The commands of a section's sh blocks and inline `curl …` spans, comments dropped, continuation lines joined. */
function shellCommands(section: string): string[] {
  return [...section.matchAll(/```sh\n([\s\S]*?)```|`([^`\n]*\bcurl [^`\n]*)`/g)].flatMap((match) =>
    (match[1] ?? match[2]!)
      .replace(/\\\n/g, ' ')
      .split('\n')
      .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
      .filter(Boolean),
  );
}

/** Each variable a command reads that no earlier command set (by assignment, export or sourcing .env). */
function variablesReadBeforeSet(commands: string[]): string[] {
  const fromEnvFile = [...read('.env.example').matchAll(/^([A-Z_]+)=/gm)].map((match) => match[1]!);
  const set = new Set<string>();
  const unset: string[] = [];
  for (const command of commands) {
    const withoutSubshells = command.replace(/\$\([^)]*\)/g, '');
    for (const used of withoutSubshells.matchAll(/\$\{?([A-Z_][A-Z0-9_]*)/g)) if (!set.has(used[1]!)) unset.push(`${used[1]} in: ${command}`);
    if (/(^|[;&]\s*)(\.|source) \.?\/?\.env\b/.test(command)) for (const name of fromEnvFile) set.add(name);
    for (const assigned of command.matchAll(/(?:^|[;&]\s*|export\s+)([A-Z_][A-Z0-9_]*)=/g)) set.add(assigned[1]!);
  }
  return unset;
}

describe("docs/deploy.md's systemd unit", () => {
  // It said to run `start --config /etc/switchyard/switchyard.config.yaml` and nothing about
  // data_dir, which is relative to the config's folder: the SQLite file and the master key went
  // to /etc/switchyard/.switchyard, a folder the service's user cannot write and /etc is not for.
  const doc = read('docs/deploy.md');
  const section = doc.slice(doc.indexOf('\n## One box'), doc.indexOf('\n### Every core'));
  const config = /```yaml\n# (\S+)\n([\s\S]*?)```/.exec(section);
  const unit = /```ini\n([\s\S]*?)```/.exec(section);
  const directive = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(unit?.[1] ?? '')?.[1];

  it('shows a config and a unit that starts the gateway with that config', async () => {
    expect(config, 'a yaml block naming its file').not.toBeNull();
    expect(unit, 'an ini block').not.toBeNull();
    await expectGatewayAccepts(config![2]!);
    const execStart = directive('ExecStart')!.split(/\s+/);
    expect(execStart[0]).toMatch(/^\//);
    expect(existsSync(path.join(root, execStart[1]!)), `${execStart[1]} in a built clone`).toBe(true);
    expect(execStart.slice(2)).toEqual(['start', '--config', config![1]]);
  });

  it('keeps the data out of /etc, in the folder systemd makes for the service', async () => {
    const accepted = await expectGatewayAccepts(config![2]!);
    const dataDir = resolveDataDir(accepted, config![1]!);
    expect(dataDir.startsWith('/etc/')).toBe(false);
    expect(dataDir).toBe(`/var/lib/${directive('StateDirectory')}`);
  });

  it('drains on SIGTERM within TimeoutStopSec, the 10 s a hung stop gets included', async () => {
    const accepted = await expectGatewayAccepts(config![2]!);
    expect(directive('KillSignal')).toBe('SIGTERM');
    expect(Number(directive('TimeoutStopSec')) * 1000).toBeGreaterThan(accepted.server.drain_delay_ms + accepted.server.shutdown_timeout_ms + 10_000);
  });
});

describe('Kubernetes manifests', () => {
  const folder = 'deploy/kubernetes';
  type Generated = { name: string; files: string[]; options?: { labels?: Record<string, string> } };
  const kustomization = parseYaml(read(`${folder}/kustomization.yaml`)) as { resources: string[]; configMapGenerator?: Generated[] };
  type Manifest = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: any; data?: any; stringData?: any };
  const manifests: Manifest[] = [...kustomization.resources, 'secret.example.yaml'].flatMap((file) =>
    parseAllDocuments(read(`${folder}/${file}`)).map((document) => {
      expect(document.errors).toEqual([]);
      return document.toJS() as Manifest;
    }),
  );
  // A generated ConfigMap as kustomize makes it (its name gets a hash of the files, and the Deployment's reference with it).
  for (const generated of kustomization.configMapGenerator ?? []) {
    manifests.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: generated.name, ...(generated.options?.labels && { labels: generated.options.labels }) },
      data: Object.fromEntries(generated.files.map((file) => [path.basename(file), read(`${folder}/${file}`)])),
    });
  }
  const byKind = (kind: string) => manifests.find((manifest) => manifest.kind === kind)!;
  const deployment = byKind('Deployment');
  const container = deployment.spec.template.spec.containers[0];

  it('names apiVersion, kind and metadata.name in every manifest', () => {
    for (const manifest of manifests) {
      expect(manifest.apiVersion).toMatch(/^[\w./]+$/);
      expect(manifest.kind).toMatch(/^[A-Z]\w+$/);
      expect(manifest.metadata.name).toMatch(/^[a-z0-9-]+$/);
    }
    expect(manifests.map((manifest) => manifest.kind).sort()).toEqual(
      ['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Secret', 'Service'].sort(),
    );
  });

  it('probes /health for readiness, /health/live for liveness, on the port the container serves', () => {
    for (const probe of ['readinessProbe', 'startupProbe']) expect(container[probe].httpGet.path, probe).toBe('/health');
    // A store outage every pod sees makes /health 503 everywhere: that must not restart them all.
    expect(container.livenessProbe.httpGet.path).toBe('/health/live');
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      expect(container[probe].httpGet.port, probe).toBe(container.ports[0].name);
    }
    expect(container.ports[0].containerPort).toBe(4000);
  });

  it('gives streams in flight time to finish: preStop, then the drain, within the grace period', async () => {
    const preStopSeconds = Number(container.lifecycle.preStop.exec.command[1]);
    const config = await expectGatewayAccepts(byKind('ConfigMap').data['switchyard.config.yaml']);
    // With the 10 s a stop that hangs past the drain is given before the gateway exits on its own (it logs why).
    const drainSeconds = (config.server.drain_delay_ms + config.server.shutdown_timeout_ms + 10_000) / 1000;
    expect(preStopSeconds).toBeGreaterThan(0);
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(preStopSeconds + drainSeconds);
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
  });

  it("holds no more PostgreSQL connections at the HPA's most pods than a default PostgreSQL takes", async () => {
    // Each pod holds up to pool_size connections and one that listens for key changes. At 12 pods
    // (the HPA's most) plus the rolling update's surge, pool_size 10 asked for 143 of the 97 a
    // default PostgreSQL (max_connections 100, 3 kept for superusers) gives: past the ninth pod,
    // new connections were refused, and every pod's store calls with them.
    const config = await expectGatewayAccepts(byKind('ConfigMap').data['switchyard.config.yaml']);
    const pods = byKind('HorizontalPodAutoscaler').spec.maxReplicas + deployment.spec.strategy.rollingUpdate.maxSurge;
    // Written out in the ConfigMap: the storage plugin's default is 10.
    const perPod = (config.storage as { pool_size?: number }).pool_size! + 1;
    expect(pods * perPod).toBeLessThanOrEqual(100 - 3);
    // docs/deploy.md says the sum, for an operator who raises either.
    expect(read('docs/deploy.md')).toContain(`${pods} × (\`pool_size\` ${perPod - 1} + 1) = ${pods * perPod}`);
  });

  it('mounts no service account token, which the gateway never uses', () => {
    // The default mounts the namespace's default token at /var/run/secrets/kubernetes.io in every pod.
    expect(deployment.spec.template.spec.automountServiceAccountToken).toBe(false);
  });

  it('rolls the pods onto an edited config: the ConfigMap is generated, its name carrying a hash of the file', () => {
    // The gateway reads its config once, at start: a ConfigMap edited in place and applied reached no
    // pod (the mounted file changed under a process that never reads it again) until each restarted.
    const generated = (kustomization.configMapGenerator ?? []).map((entry) => entry.name);
    expect(generated).toContain(byKind('ConfigMap').metadata.name);
    expect((kustomization as { generatorOptions?: { disableNameSuffixHash?: boolean } }).generatorOptions?.disableNameSuffixHash).not.toBe(true);
  });

  it('mounts the ConfigMap where the container reads its config, and the config is one the gateway accepts', async () => {
    const configMount = container.volumeMounts.find((mount: { name: string }) => mount.name === 'config');
    const volume = deployment.spec.template.spec.volumes.find((entry: { name: string }) => entry.name === 'config');
    expect(volume.configMap.name).toBe(byKind('ConfigMap').metadata.name);
    expect(container.args).toEqual(['start', '--config', `${configMount.mountPath}/switchyard.config.yaml`]);
    const config = await expectGatewayAccepts(byKind('ConfigMap').data['switchyard.config.yaml']);
    expect(config.server.host).toBe('0.0.0.0');
    expect(config.storage?.use).toBe('postgres');
  });

  it('starts with a Secret that holds no provider key', async () => {
    // The Secret's provider keys are for the providers you use; one left out was an empty api_key, refused at start.
    const config = await expectGatewayAccepts(byKind('ConfigMap').data['switchyard.config.yaml'], {
      SWITCHYARD_MASTER_KEY: 'a'.repeat(64),
      DATABASE_URL: deploymentEnv.DATABASE_URL,
      REDIS_URL: deploymentEnv.REDIS_URL,
    });
    expect(Object.keys(config.providers)).toContain('mock');
    const uncommented = (byKind('ConfigMap').data['switchyard.config.yaml'] as string).replace(/^(\s*)# ((?:openai|anthropic):|  api_key:)/gm, '$1$2');
    const withProviders = await expectGatewayAccepts(uncommented);
    expect(Object.keys(withProviders.providers).sort()).toEqual(['anthropic', 'mock', 'openai']);
  });

  it('refuses to start a pod without SWITCHYARD_MASTER_KEY in the Secret, which each would otherwise make up on its own', async () => {
    for (const missing of [undefined, '']) {
      const problems = await gatewayRefuses(byKind('ConfigMap').data['switchyard.config.yaml'], { ...deploymentEnv, SWITCHYARD_MASTER_KEY: missing });
      expect(problems).toEqual(['master_key: environment variable SWITCHYARD_MASTER_KEY is not set (write ${SWITCHYARD_MASTER_KEY:-default} for a default)']);
    }
  });

  it('takes secrets from the Secret, and the Secret names every variable the config refers to', () => {
    const secret = byKind('Secret');
    expect(container.envFrom[0].secretRef.name).toBe(secret.metadata.name);
    const referenced = [...(byKind('ConfigMap').data['switchyard.config.yaml'] as string).matchAll(/\$\{([A-Z_]+)/g)].map((match) => match[1]);
    for (const variable of [...referenced, 'SWITCHYARD_MASTER_KEY']) expect(Object.keys(secret.stringData), variable).toContain(variable);
    for (const value of Object.values(secret.stringData)) expect(value).toBe('');
    expect(kustomization.resources).not.toContain('secret.example.yaml');
  });

  it('runs as non-root with resource requests, and the PDB, HPA and Service point at the Deployment', () => {
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(container.resources.requests.cpu).toBeDefined();
    expect(container.resources.requests.memory).toBeDefined();
    expect(container.resources.limits.memory).toBeDefined();
    const labels = deployment.spec.template.metadata.labels;
    expect(deployment.spec.selector.matchLabels).toEqual(labels);
    expect(byKind('PodDisruptionBudget').spec.selector.matchLabels).toEqual(labels);
    expect(byKind('PodDisruptionBudget').spec.minAvailable).toBeLessThan(deployment.spec.replicas);
    expect(byKind('Service').spec.selector).toEqual(labels);
    expect(byKind('Service').spec.ports[0].targetPort).toBe(container.ports[0].name);
    const hpa = byKind('HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(byKind('PodDisruptionBudget').spec.minAvailable + 1);
  });

  // The Deployment runs `switchyard:0.1.0`; the page's only build made `switchyard` (:latest)
  // and said nothing of getting an image to the cluster: every pod sat in ImagePullBackOff.
  it("docs/deploy.md's Kubernetes steps build the image the Deployment runs and say how the cluster gets it", () => {
    const doc = read('docs/deploy.md');
    const section = doc.slice(doc.indexOf('\n## Kubernetes'));
    expect([...section.matchAll(/docker build -t (\S+)/g)].map((match) => match[1])).toContain(container.image);
    const name = (container.image as string).split(':')[0]!;
    expect(section).toContain(`kustomize edit set image ${name}=`);
    expect(container.imagePullPolicy).toBe('IfNotPresent'); // an image loaded into a local cluster is used as it is
    // The Secret's master key is made up on the command line: the page says how to read it back.
    expect(section).toContain("kubectl get secret switchyard-secrets -o jsonpath='{.data.SWITCHYARD_MASTER_KEY}' | base64 -d");
  });
});
