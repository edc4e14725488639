import { open, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultLoaders, type Loader } from 'cosmiconfig';
import { type Document, isAlias, isCollection, isScalar, LineCounter, parseDocument, visit } from 'yaml';
import { compileValidator, type ValidationProblem, type Validator } from '../validation/compile-validator.js';
import type { TextReadings } from '../validation/put-back-text.js';
import { ConfigError } from './config-error.js';
import { findDuplicateKey } from './find-duplicate-key.js';
import type { GatewayConfig } from './gateway-config.js';
import { gatewayConfigSchema } from './gateway-config-schema.js';
import { hintMisplacedStepOptions } from './hint-misplaced-step-options.js';
import { resolveEnvReferences } from './resolve-env-references.js';

/** The names searched in the working folder, first match wins. */
export const configSearchPlaces = [
  'switchyard.config.yaml',
  'switchyard.config.yml',
  'switchyard.config.json',
  '.switchyardrc',
  '.switchyardrc.yaml',
  '.switchyardrc.yml',
  '.switchyardrc.json',
  'package.json',
];

/**
 * Config files that are code: loaded when named with `--config`, never searched for (a search
 * that ran them would run whatever the working folder holds). One of them found where the
 * search found nothing is refused, not passed over for the built-in defaults.
 */
const codeConfigNames = ['switchyard.config.js', 'switchyard.config.cjs', 'switchyard.config.mjs', 'switchyard.config.ts', '.switchyardrc.js', '.switchyardrc.cjs', '.switchyardrc.mjs', '.switchyardrc.ts'];

/** The first of {@link codeConfigNames} that is a file in `cwd`. */
async function findCodeConfig(cwd: string): Promise<string | undefined> {
  for (const name of codeConfigNames) {
    const stats = await stat(path.join(cwd, name)).catch(() => undefined);
    if (stats?.isFile()) return name;
  }
  return undefined;
}

export interface LoadedConfig {
  config: GatewayConfig;
  /** The file it came from; undefined when none was found and the defaults apply. */
  file: string | undefined;
  /** The file's text, kept to point at lines when a plugin refuses its options. */
  sourceText: string | undefined;
}

export interface LoadConfigOptions {
  /** A file named with `--config`; otherwise the usual names are searched in `cwd`. */
  file?: string;
  cwd?: string;
  env?: Record<string, string | undefined>;
}

/**
 * The largest config file read, in bytes: real ones are a few KB (the example is 5 KB), and
 * a file of megabytes is a mistake (a log or a dump named by --config) that would take seconds
 * to parse and hold its text in memory. Refused before it is parsed. The config is read once,
 * at start (a cluster's workers get it from the primary), never reloaded.
 */
export const maxConfigBytes = 1024 * 1024;

/**
 * A file named with `--config`, measured before it is read: one of gigabytes (a log or
 * a dump) is not read into memory only to be refused. One that cannot be looked at is
 * left to the read, which says why.
 */
async function checkNamedFileSize(file: string): Promise<void> {
  const stats = await stat(file).catch(() => undefined);
  if (stats?.isFile()) checkConfigSize(stats.size);
  // A folder said "EISDIR: illegal operation on a directory"; /dev/zero was read ~600 MB deep before failing.
  // A pipe (`--config <(envsubst < tpl)`) is read as before.
  if (stats?.isDirectory()) throw new UnreadableConfig('it is a folder, not a file: name the config file in it (switchyard.config.yaml)', undefined);
  if (stats?.isCharacterDevice() || stats?.isBlockDevice()) throw new UnreadableConfig('it is a device, not a file', undefined);
}

/** Refuses a file's text over {@link maxConfigBytes}, in one line, before any parser sees it. */
function checkConfigSize(bytes: number): void {
  if (bytes <= maxConfigBytes) return;
  throw new UnreadableConfig(
    `the file is ${(bytes / 1024 / 1024).toFixed(1)} MiB (${bytes} bytes); a config file may be at most 1 MiB (${maxConfigBytes} bytes)`,
    undefined,
  );
}

/**
 * A config file's bytes, read once, at most {@link maxConfigBytes} + 1 of them: a pipe
 * (`--config <(envsubst < tpl)`, a FIFO) has no size to look at first, and one that never ends
 * (`<(yes)`) was read until the memory ran out. Read a second time, a pipe is empty (or, a FIFO,
 * waits for a writer that never comes): the text checked and pointed into is this one.
 */
async function readConfigBytes(filepath: string): Promise<Buffer> {
  const handle = await open(filepath, 'r');
  try {
    // A file says its size (the one found by the search is measured here); a pipe's is counted as it is read.
    const stats = await handle.stat();
    if (stats.isFile()) checkConfigSize(stats.size);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const { bytesRead, buffer } = await handle.read(Buffer.alloc(64 * 1024), 0, 64 * 1024, null);
      if (bytesRead === 0) return Buffer.concat(chunks, total);
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxConfigBytes) {
        throw new UnreadableConfig(`more than 1 MiB was read from it; a config file may be at most 1 MiB (${maxConfigBytes} bytes)`, undefined);
      }
    }
  } finally {
    await handle.close();
  }
}

/**
 * Refuses a file that is not UTF-8 (saved as Latin-1 or UTF-16, a pasted binary value): read as
 * UTF-8, each byte that is not became U+FFFD without a word, and a host, a header or a key was
 * served that is not what the file says. Only a text holding U+FFFD is decoded again, strictly.
 */
function checkUtf8(bytes: Buffer, content: string): void {
  const at = content.indexOf('\uFFFD');
  if (at === -1) return;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const line = content.slice(0, at).split('\n').length;
    throw new UnreadableConfig('the file is not UTF-8 text (saved as Latin-1 or UTF-16?): save it as UTF-8', line);
  }
}

/** How many copies YAML aliases and merge keys may make in all: the `yaml` package's own bound, named here. */
const maxAliasCount = 100;

// The `yaml` package (YAML 1.2) everywhere, so line numbers in errors match what was parsed. Merge keys
// (`<<: *defaults`, YAML 1.1's, which users write) merge: `<<` was read as a key of its own. A merge
// copies its map as an alias does and counts against the same bound (maxAliasCount).
const loadYaml: Loader = (file, content) => {
  checkConfigSize(Buffer.byteLength(content));
  try {
    const lineCounter = new LineCounter();
    // Keys written twice are found by findDuplicateKey, in one pass: the package's own check takes time square in a map's size.
    const document = parseDocument(content, { merge: true, uniqueKeys: false, lineCounter });
    const error = document.errors[0];
    const duplicate = findDuplicateKey(document, lineCounter);
    // Whichever comes first in the file, as the package's own check reported them.
    if (error || duplicate) throw duplicate && !(error && error.pos[0] < duplicate.pos[0]) ? duplicate : error;
    // A warning is a tag it does not know (`api_key: !vault sk-…`): yaml's own parse() printed it with
    // the file's line, key and all, through process.emitWarning, and read the value as plain text.
    const warning = document.warnings[0];
    if (warning) {
      const line = warning.linePos?.[0].line;
      throw new UnreadableConfig(`${firstLine(warning.message)} (a config is plain YAML: give a secret as \${VAR})`, line);
    }
    const collectionKeyLine = firstCollectionKeyLine(document, lineCounter);
    if (collectionKeyLine !== undefined) throw new UnreadableConfig("a key is a list or a map; a config's keys are names", collectionKeyLine);
    const radixLine = firstNonDecimalNumberLine(document, lineCounter);
    if (radixLine !== undefined) {
      throw new UnreadableConfig(
        'a number is written in hex, octal or with a leading zero (0x10, 0o10, 010: read as 16, 8 and 10): write it in decimal, or in quotes if it is text (a key, an id)',
        radixLine,
      );
    }
    // Only comments, `---` or `~`: empty (undefined), as a blank file is, not "no config here" (null).
    return (document.toJS({ maxAliasCount }) as unknown) ?? undefined;
  } catch (error) {
    if (error instanceof UnreadableConfig) throw error;
    if (error instanceof ReferenceError && /^Excessive alias count/.test(error.message)) {
      throw new UnreadableConfig(
        `YAML aliases and merge keys (<<) repeat a part more than ${maxAliasCount} times in all, or a map is merged into itself; a config is read as a tree`,
        undefined,
      );
    }
    const at = (error as { linePos?: Array<{ line: number; col: number }> }).linePos?.[0];
    // Thousands of levels deep (within the size bound) overflow the parser's stack: said as what the file is, not as a crash.
    if (/^Maximum call stack size exceeded/.test((error as Error).message)) {
      throw new UnreadableConfig('the file nests too deeply to read (a config is nested at most 64 levels)', at?.line);
    }
    const hint = unquotedReferenceHint(content, at);
    if (hint) (error as Error).message = (error as Error).message.replace(/:?\n[\s\S]*$|$/, `; ${hint}`);
    throw error;
  }
};

/**
 * The line of the first key that is a list or a map (`? [a, b]`, `[a, b]: 1`, `*anchor-of-a-map :`).
 * toJS made it a string, saying so through process.emitWarning: a stray line on stderr quoting the key.
 */
function firstCollectionKeyLine(document: Document, lineCounter: LineCounter): number | undefined {
  let line: number | undefined;
  visit(document, {
    Pair(_key, pair) {
      const key = isAlias(pair.key) ? pair.key.resolve(document) : pair.key;
      if (!isCollection(key)) return undefined;
      const at = (pair.key as { range?: [number, number, number] } | null)?.range?.[0];
      line = at === undefined ? undefined : lineCounter.linePos(at).line;
      return visit.BREAK;
    },
  });
  return line;
}

/**
 * The line of the first number written as `0x10`, `0o10` or `010`. YAML 1.2 reads them as 16, 8
 * and 10, where a YAML 1.1 reader (and most people) read `010` as 8: `port: 0x1F90` was served as
 * 8080 and a key written unquoted with a leading zero lost it, without a word. The value is not quoted.
 */
function firstNonDecimalNumberLine(document: Document, lineCounter: LineCounter): number | undefined {
  let line: number | undefined;
  visit(document, {
    Scalar(_key, node) {
      if (typeof node.value !== 'number' || !isScalar(node) || !/^[-+]?0(?:[xo]|\d)/i.test(node.source ?? '')) return undefined;
      line = node.range ? lineCounter.linePos(node.range[0]).line : undefined;
      return visit.BREAK;
    },
  });
  return line;
}

/**
 * `{ api_key: ${KEY} }`: inside a flow map or list YAML reads the reference's braces as a map of
 * its own and gives up with "Unexpected flow-map-start". Said with the fix when the parser
 * stopped on such a reference.
 */
function unquotedReferenceHint(content: string, at: { line: number; col: number } | undefined): string | undefined {
  if (!at) return undefined;
  const line = content.split('\n')[at.line - 1] ?? '';
  const reference = /^\$?\{([A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?)\}/.exec(line.slice(Math.max(0, at.col - 2)));
  if (!reference || !line.slice(0, at.col).includes('$')) return undefined;
  return `inside { } or [ ] quote a variable: "\${${reference[1]}}"`;
}

/** A file that does not parse, in words: the parser's first line and the line it stopped at. */
class UnreadableConfig extends Error {
  constructor(
    message: string,
    readonly line: number | undefined,
  ) {
    super(message);
  }
}

// JSON.parse, not cosmiconfig's own loader: that one's first line is "JSON Error in <path>:"
// and the reason came after it, so a broken switchyard.config.json was reported without one.
const loadJson: Loader = (file, withBom) => {
  checkConfigSize(Buffer.byteLength(withBom));
  // Notepad's "UTF-8 with BOM": JSON.parse said "Unexpected token '\ufeff'" where YAML reads past one.
  const content = withBom.replace(/^\uFEFF/, '');
  try {
    const value = JSON.parse(content) as unknown;
    // Another tool's package.json is not held to it: only its "switchyard" key is this config.
    if (path.basename(file) !== 'package.json') refuseDuplicateJsonKey(content);
    // `null` holds no settings, as an empty file; a package.json is read for its "switchyard" key (readOneConfigFile).
    return value === null && path.basename(file) !== 'package.json' ? undefined : value;
  } catch (error) {
    if (error instanceof UnreadableConfig) throw error;
    const message = withoutQuotedText((error as Error).message, content);
    const position = /at position (\d+)/.exec(message)?.[1];
    const line = position === undefined ? undefined : content.slice(0, Number(position)).split('\n').length;
    throw new UnreadableConfig(message, line);
  }
};

/**
 * JSON.parse keeps the last of a key written twice without a word (`"port": 4000, …, "port": 4001`
 * served 4001), where a YAML config's is refused: found as the YAML loader finds it (JSON reads as YAML).
 */
function refuseDuplicateJsonKey(content: string): void {
  const lineCounter = new LineCounter();
  const document = parseDocument(content, { uniqueKeys: false, lineCounter });
  if (document.errors.length > 0) return;
  const duplicate = findDuplicateKey(document, lineCounter);
  if (duplicate) throw new UnreadableConfig(firstLine(duplicate.message), duplicate.linePos?.[0]?.line);
}

/**
 * JSON.parse says some errors by quoting the text around them (`Unexpected token 'e',
 * ..."api_key": e0f1e2d3c4"... is not valid JSON`): ten characters of a key left
 * unquoted, printed to a terminal or a CI log. Said instead with the position, found
 * from the quote (V8 quotes ten characters either side, `...` where it cut).
 */
function withoutQuotedText(message: string, content: string): string {
  const quoted = /^(Unexpected token '(.)'), (?:"(.*)"|\.\.\."(.*)"\.\.\.|"(.*)"\.\.\.|\.\.\."(.*)") is not valid JSON$/s.exec(message);
  if (!quoted) return message;
  const [, what, token, whole, middle, start, end] = quoted;
  const text = whole ?? middle ?? start ?? end ?? '';
  const at = content.indexOf(text);
  // Cut at the start, the quote begins ten characters before the token; else the token is where it first is in the quote.
  const offset = middle !== undefined || end !== undefined ? 10 : text.indexOf(token!);
  return at === -1 || offset === -1 ? `${what} in JSON` : `${what} in JSON at position ${at + offset}`;
}

/**
 * A JavaScript config, by import() alone. cosmiconfig's own loader retried a module that failed to
 * import with require(), and reported require's words instead of the import's: an .mjs config with a
 * syntax error said "Cannot require() ES Module … not yet fully loaded … a race condition".
 */
const loadJs: Loader = async (file) => {
  const { href } = pathToFileURL(await realpath(file));
  try {
    return ((await import(href)) as { default?: unknown }).default;
  } catch (error) {
    // `throw 5` was reported as cosmiconfig failing to name the file on it: "Cannot create property 'filepath' on number '5'".
    if (error instanceof Error) throw error;
    throw new UnreadableConfig('the file threw something that is not an Error while it was loaded', undefined);
  }
};

/** Why a file of another kind (`--config switchyard.toml`) is not read: the kinds a config may be. */
function unknownKindReason(extension: string): string {
  return `a config file is YAML (.yaml, .yml, or no extension), JSON (.json), JavaScript (.js, .cjs, .mjs) or TypeScript (.ts), not ${extension}`;
}

/**
 * cosmiconfig merged into a config the files its top-level `$import` names. Refused, not
 * supported: a value from an imported file had its problems pointed at the importing
 * file's lines, and the imported files escaped the bounds a config file is held to (its
 * size was checked only after it was read whole). One file is what `validate` checks,
 * what a problem's line points into, and what the cluster's primary hands its workers.
 */
const importReason = '$import is not supported: a config is one file (repeat a part with YAML anchors and merge keys, a secret with ${VAR})';

/** `loader`, refusing a config that has a top-level `$import` (in package.json, under "switchyard") before cosmiconfig reads what it names. */
function refusingImports(loader: Loader, pointsAtLines: boolean): Loader {
  return async (file, content) => {
    const value = (await loader(file, content)) as unknown;
    const own = path.basename(file) === 'package.json' && isObject(value) ? value['switchyard'] : value;
    if (isObject(own) && Object.hasOwn(own, '$import')) throw new UnreadableConfig(importReason, pointsAtLines ? importLine(content) : undefined);
    return value;
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The line of the first `$import` key (bare or quoted, YAML or JSON). */
function importLine(content: string): number | undefined {
  const index = content.split('\n').findIndex((line) => /(^|[\s{,])["']?\$import["']?\s*:/.test(line));
  return index === -1 ? undefined : index + 1;
}

/** The first line of a parser's message, without the colon that leads into its frame of the file's text, nor a token of it. */
function firstLine(message: string): string {
  return withoutQuotedToken(message.split('\n')[0]!.replace(/:\s*$/, ''));
}

/**
 * The yaml package's messages that quote a token of the file: an alias's name, a tag, a block
 * scalar's header, a directive, an escape in double quotes. A secret that starts with `*`, `!`, `|`, `>` or `%` (a generated
 * password may) is read as such a token, and was printed whole. Said without it; the line and
 * column stay, to find it by.
 */
const quotedTokens: ReadonlyArray<[RegExp, string]> = [
  [/^(Unresolved alias \(the anchor must be set before the alias\)|Unresolved tag|Could not resolve tag|Not a valid tag|Block scalar header includes extra characters): .*?(?=(?: at line \d+, column \d+)?$)/, '$1'],
  [/^The \S+ tag has no suffix/, 'A tag has no suffix'],
  [/^Verbatim tags aren't resolved, so \S+ is invalid\./, "A verbatim tag (!<…>) is not resolved."],
  [/^Unknown directive \S+/, 'Unknown directive'],
  // `"\U…"` quoted the eight characters after the backslash: part of a password written in double quotes.
  [/^Invalid escape sequence \S*( at line \d+, column \d+)?$/, 'Invalid escape sequence$1 (in double quotes a \\ starts an escape: write \\\\ for one, or use single quotes)'],
];

function withoutQuotedToken(line: string): string {
  for (const [quoting, said] of quotedTokens) if (quoting.test(line)) return line.replace(quoting, said);
  return line;
}

/** Why a config file could not be read or parsed, and at which line when the parser said. */
function unreadableReason(error: unknown): { reason: string; line: number | undefined } {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { reason: 'file not found', line: undefined };
  if (error instanceof UnreadableConfig) return { reason: error.message, line: error.line };
  // The yaml package's first line ends with a colon before a frame of the file's text (never shown: it may hold a key).
  const reason = firstLine(String((error as Error).message));
  const linePos = (error as { linePos?: Array<{ line?: unknown }> }).linePos;
  const line = typeof linePos?.[0]?.line === 'number' ? linePos[0].line : undefined;
  return { reason, line };
}

const emptyFileReason =
  'the file holds no settings (it is empty, or only comments): a config file that says nothing is most likely a mistake; write {} in it to run on the built-in defaults';

/** A config file as read, before any check. */
export interface ConfigFile {
  /** The parsed content; `{}` when no file was found. */
  raw: unknown;
  file: string | undefined;
  sourceText: string | undefined;
}

/** Finds, reads and checks the config file, or returns the defaults when there is none. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const { raw, file, sourceText } = await readConfigFile(options);
  const config = checkConfig(raw, { env: options.env ?? process.env, file, sourceText });
  return { config, file, sourceText };
}

/** The loader of each kind of config file, by extension, as cosmiconfig's were chosen; `noExt` for `.switchyardrc`. */
const configLoaders: Record<string, Loader> = {
  '.yaml': refusingImports(loadYaml, true),
  '.yml': refusingImports(loadYaml, true),
  noExt: refusingImports(loadYaml, true),
  '.json': refusingImports(loadJson, true),
  '.js': refusingImports(loadJs, false),
  '.cjs': refusingImports(loadJs, false),
  '.mjs': refusingImports(loadJs, false),
  '.ts': refusingImports(loadTs, false),
};

/**
 * A TypeScript config, refused with its first syntax error and line. TypeScript's transpiler recovers
 * from syntax errors (cosmiconfig's loader runs its output): a file cut short ran as far as it went and
 * was "valid". Without the typescript package the loader fails on its own, as before.
 */
async function loadTs(filepath: string, content: string): Promise<unknown> {
  const ts = await import('typescript').then((module) => module.default, () => undefined);
  if (ts) {
    const { diagnostics } = ts.transpileModule(content, { fileName: filepath, reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.ES2022 } });
    const error = diagnostics?.find((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error);
    if (error) {
      const line = error.file && error.start !== undefined ? error.file.getLineAndCharacterOfPosition(error.start).line + 1 : undefined;
      throw new UnreadableConfig(ts.flattenDiagnosticMessageText(error.messageText, ' ').replace(/\.$/, ''), line);
    }
  }
  return defaultLoaders['.ts'](filepath, content);
}

const codeExtensions = new Set(['.js', '.cjs', '.mjs', '.ts']);

/** A config file read: its settings, or `isEmpty` when it holds none. */
interface FoundConfig {
  config: unknown;
  filepath: string;
  /** The file's text, as it was parsed. */
  text: string;
  isEmpty?: boolean;
}

/**
 * Reads and parses one config file; null for a package.json without a "switchyard" key (a search
 * goes on to the next name). Errors carry the file's path as `filepath`, as cosmiconfig's did.
 */
async function readOneConfigFile(filepath: string): Promise<FoundConfig | null> {
  const bytes = await readConfigBytes(filepath).catch((error: unknown) => {
    if (error instanceof Error) Object.assign(error, { filepath });
    throw error;
  });
  const contents = bytes.toString('utf8');
  if (contents.trim() === '') return { filepath, text: contents, config: undefined, isEmpty: true };
  const extension = path.extname(filepath);
  const loader = configLoaders[extension || 'noExt'];
  try {
    if (!loader) throw new UnreadableConfig(unknownKindReason(extension), undefined);
    // YAML and JSON are read from this text; a JavaScript config is imported from its file.
    if (!codeExtensions.has(extension)) checkUtf8(bytes, contents);
    const loaded = (await loader(filepath, contents)) as unknown;
    const own = path.basename(filepath) === 'package.json' ? (isObject(loaded) ? loaded['switchyard'] : undefined) : loaded;
    if (path.basename(filepath) === 'package.json' && (own === undefined || own === null)) return null;
    // `export default null` holds no settings, as JSON's `null` does.
    return own === undefined || own === null ? { filepath, text: contents, config: undefined, isEmpty: true } : { filepath, text: contents, config: own };
  } catch (error) {
    if (error instanceof Error) Object.assign(error, { filepath });
    throw error;
  }
}

/**
 * The first of {@link configSearchPlaces} in the folder that holds a config. Written here, not
 * cosmiconfig's search: building a cosmiconfig explorer first looks for cosmiconfig's own "meta"
 * config in the working folder, so `switchyard start` ran a `.config/config.js` found there (another
 * tool's), took its options (which files to read), and a broken package.json or
 * `.config/config.json` was a stack trace quoting the file's text.
 */
async function searchConfigFile(cwd: string): Promise<FoundConfig | null> {
  for (const place of configSearchPlaces) {
    const filepath = path.join(cwd, place);
    try {
      const found = await readOneConfigFile(filepath);
      if (found !== null) return found;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A config there that cannot be read is not "no config": passed over, the built-in defaults (the
      // mock provider) were served in its place. Another tool's package.json is passed over as before.
      const target = code === 'ENOENT' ? await readlink(filepath).catch(() => undefined) : undefined;
      if (target !== undefined) {
        throw Object.assign(new UnreadableConfig(`it is a link to ${path.resolve(cwd, target)}, which does not exist`, undefined), { filepath });
      }
      if ((code === 'EACCES' || code === 'EPERM') && place !== 'package.json') throw error;
      // Not there, or not a file: the next name (as the search always did).
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EPERM') continue;
      throw error;
    }
  }
  return null;
}

/** Finds and parses the config file without checking it; `{}` when there is none. */
export async function readConfigFile(options: Omit<LoadConfigOptions, 'env'> = {}): Promise<ConfigFile> {
  const cwd = options.cwd ?? process.cwd();
  let found: FoundConfig | null;
  const file = options.file ? path.resolve(cwd, options.file) : undefined;
  try {
    if (file) await checkNamedFileSize(file);
    found = file ? await readOneConfigFile(file) : await searchConfigFile(cwd);
  } catch (error) {
    // The file a loader failed on is named; a search found it, so the folder would say nothing.
    const failed = (error as { filepath?: unknown } | undefined)?.filepath;
    const where = typeof failed === 'string' ? failed : (file ?? cwd);
    const { reason, line } = unreadableReason(error);
    throw new ConfigError([{ path: '', message: `cannot read config: ${reason}`, ...(line !== undefined && { line }) }], path.relative(cwd, where) || where);
  }
  const codeConfig = file || found ? undefined : await findCodeConfig(cwd);
  if (codeConfig) {
    throw new ConfigError(
      [{ path: '', message: `cannot read config: a JavaScript config is not looked for, as that would run code found in the folder; name it: --config ${codeConfig}` }],
      codeConfig,
    );
  }
  const displayName = found ? path.relative(cwd, found.filepath) || found.filepath : undefined;
  if (found?.isEmpty) {
    // Named or found, a file that says nothing is most likely one cut short or not saved yet: serving the
    // built-in defaults (the mock provider) in its place would hide that.
    throw new ConfigError([{ path: '', message: `cannot read config: ${emptyFileReason}` }], displayName);
  }
  const sourceText = found && !found.filepath.endsWith('package.json') ? found.text : undefined;
  return { raw: found?.config ?? {}, file: displayName, sourceText };
}

let validator: Validator<GatewayConfig> | undefined;

/**
 * Resolves environment references in a raw config object and checks it against
 * the schema, filling in defaults. Plugin options are checked later, by the plugins.
 */
export function checkConfig(
  raw: unknown,
  context: { env?: Record<string, string | undefined>; file?: string | undefined; sourceText?: string | undefined } = {},
): GatewayConfig {
  const { config, problems } = findConfigProblems(raw, context.env ?? process.env);
  if (problems.length > 0) throw new ConfigError(problems, context.file, context.sourceText);
  return config;
}

/**
 * Like checkConfig, but returns the problems instead of throwing, with the config
 * as far as it could be read (defaults filled in), so that plugin options can
 * still be checked and every problem reported in one go.
 */
export function findConfigProblems(
  raw: unknown,
  env: Record<string, string | undefined>,
): { config: GatewayConfig; problems: ValidationProblem[]; missingEnv: ReadonlySet<string>; typedReferences: TextReadings } {
  const problems: ValidationProblem[] = [];
  const typedReferences = new Map<string, string>();
  const resolved = resolveEnvReferences(raw ?? {}, env, problems, '', typedReferences);
  // The pointers of values left empty by a missing variable: later checks of the
  // same value would only repeat that problem in other words.
  const missingEnv = new Set(problems.map((problem) => problem.path));
  validator ??= compileValidator<GatewayConfig>(gatewayConfigSchema, { problems: 'every' });
  // A whole `${VAR}` read as a number or boolean is its text again where the schema wants a string.
  const result = validator(resolved, typedReferences);
  if (!result.ok) problems.push(...result.problems.filter((problem) => !missingEnv.has(problem.path)).map(hintMisplacedStepOptions));
  // The plugins' options are checked later, against their own schemas: the readings go with the config.
  return { config: resolved as GatewayConfig, problems, missingEnv, typedReferences };
}
