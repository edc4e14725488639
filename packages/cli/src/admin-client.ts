import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SecretRedactor } from '@switchyard/core/redact-secrets';
import { CliError } from './cli-error.js';
import { quoteInput } from './terminal-text.js';

/** Where the running gateway is and the key that opens its admin API. */
export interface AdminConnection {
  /** The gateway's base URL, without a trailing slash. */
  url: string;
  masterKey: string;
  /** How long one call may take, headers and body; 30 s unless a test says otherwise. */
  timeoutMs?: number;
  /** The largest answer body read; `maxAnswerBytes` unless a test says otherwise. */
  maxAnswerBytes?: number;
}

const defaultTimeoutMs = 30_000;

/**
 * The largest admin answer the CLI reads: 64 MiB. The largest legitimate one is a usage
 * report (one row per key, model or day: `/usage` has no row limit, a few hundred bytes a
 * row), far under this; without a bound, whatever answered at --url (a proxy, another
 * service, a broken gateway) could stream a body into memory until the 30 s deadline.
 */
export const maxAnswerBytes = 64 * 1024 * 1024;

export interface ConnectionFlags {
  url?: string | undefined;
  masterKeyFile?: string | undefined;
}

export const defaultUrl = 'http://127.0.0.1:4000';
export const defaultMasterKeyFile = path.join('.switchyard', 'master-key');

/**
 * The URL from `--url`, SWITCHYARD_URL or the default; the master key from
 * `--master-key-file` when given, else SWITCHYARD_MASTER_KEY, else the file
 * `switchyard start` writes (`.switchyard/master-key`).
 */
export async function resolveConnection(flags: ConnectionFlags, env: Record<string, string | undefined>, cwd: string): Promise<AdminConnection> {
  // An empty SWITCHYARD_URL is unset, as an empty SWITCHYARD_MASTER_KEY is.
  const source = flags.url !== undefined ? '--url' : env['SWITCHYARD_URL'] ? 'SWITCHYARD_URL' : undefined;
  const url = (flags.url ?? (env['SWITCHYARD_URL'] || defaultUrl)).replace(/\/+$/, '');
  // fetch refuses such a URL, and its refusal quoted the URL, password and all, on stderr.
  if (/^[^:/?#]+:\/\/[^/?#]*@/.test(url)) throw new CliError(`${source} must not hold a user name or password: the master key is what opens the admin API`, 2);
  // One fetch cannot parse (a port past 65535, an unclosed [, a space) was "cannot reach the gateway … is it running?", exit 1.
  if (!/^https?:\/\/[^/]/.test(url) || !URL.canParse(url) || /\s/.test(url)) throw new CliError(`${source} must be an http(s) URL, got ${quoteInput(url)}`, 2);
  // The admin path goes after it: `…:4000?x=1` asked `GET /?x=1/admin/keys` (the answer: "Unknown endpoint GET /").
  if (/[?#]/.test(url)) throw new CliError(`${source} must be the gateway's address, without a ?query or #fragment, got ${quoteInput(url)}`, 2);
  const fromEnv = env['SWITCHYARD_MASTER_KEY'];
  if (flags.masterKeyFile === undefined && fromEnv) return { url, masterKey: headerSafe(fromEnv, 'SWITCHYARD_MASTER_KEY') };
  const file = path.resolve(cwd, flags.masterKeyFile ?? defaultMasterKeyFile);
  let masterKey: string;
  try {
    masterKey = (await readFile(file, 'utf8')).trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`no master key: set SWITCHYARD_MASTER_KEY or pass --master-key-file (${file} does not exist)`, 2);
    // A folder (EISDIR) or a file it may not read (EACCES) was a stack trace.
    const why = code === 'EISDIR' ? 'it is a folder, not a file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? 'it cannot be read');
    throw new CliError(`no master key: cannot read ${file} (${why})`, 2);
  }
  if (!masterKey) throw new CliError(`no master key: ${file} is empty`, 2);
  return { url, masterKey: headerSafe(masterKey, file) };
}

/**
 * The key as it will go in the Authorization header. fetch refuses a value with a line break or
 * a control character, and its refusal quoted the header, key and all, on stderr.
 */
function headerSafe(masterKey: string, source: string): string {
  if (/^[\x21-\x7e\xa1-\xff]+$/.test(masterKey)) return masterKey;
  throw new CliError(`the master key from ${source} holds a space, a line break or a control character: the gateway reads no such key from a header`, 2);
}

export interface AdminAnswer {
  status: number;
  contentType: string;
  text: string;
  /** The answer's headers (`x-switchyard-folded-groups` of a usage CSV). */
  headers: Headers;
}

/**
 * One admin API call. A refused call becomes a CliError with the gateway's own
 * message and code; the master key goes in the header only, never in a message.
 */
export async function callAdmin(connection: AdminConnection, method: string, pathAndQuery: string, body?: unknown): Promise<AdminAnswer> {
  const target = `${connection.url}/admin${pathAndQuery}`;
  const timeoutMs = connection.timeoutMs ?? defaultTimeoutMs;
  // One deadline for headers and body: a gateway that sent headers and then stalled left
  // the body read to throw a bare TimeoutError past the CliError handling.
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  let text: string;
  try {
    response = await fetch(target, {
      method,
      headers: {
        authorization: `Bearer ${connection.masterKey}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal,
    });
    text = await readBoundedText(response, connection.maxAnswerBytes ?? maxAnswerBytes, connection.url);
  } catch (error) {
    if (error instanceof CliError) throw error;
    if (signal.aborted) {
      throw new CliError(`the gateway at ${connection.url} gave no answer within ${timeoutMs / 1000} s: is it overloaded or stuck? Set --url or SWITCHYARD_URL if that is not it.`);
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    // Whatever the failure says, never the key it was sent with.
    const reason = withoutMasterKey(connection, String(cause?.code ?? cause?.message ?? (error as Error).message));
    throw new CliError(`cannot reach the gateway at ${connection.url} (${reason}): is it running? Set --url or SWITCHYARD_URL.`);
  }
  // What answered may not be the gateway (a proxy, another service at --url) and may quote the
  // Authorization header it got, escaped or encoded: a key set by hand has no prefix to be known by.
  if (!response.ok) throw new CliError(withoutMasterKey(connection, describeRefusal(response.status, text)));
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text, headers: response.headers };
}

/** The body as text, read no further than `limit` bytes: past it the connection is dropped and the call fails. */
async function readBoundedText(response: Response, limit: number, url: string): Promise<string> {
  const tooLarge = () =>
    new CliError(`the gateway at ${url} sent an answer over ${formatBytes(limit)}; stopped reading it. Is --url or SWITCHYARD_URL a Switchyard gateway?`);
  const declared = Number(response.headers.get('content-length'));
  if (declared > limit) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (!response.body) return '';
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  let text = '';
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    bytes += value.byteLength;
    if (bytes > limit) {
      await reader.cancel();
      throw tooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
}

function formatBytes(bytes: number): string {
  return bytes % 1_048_576 === 0 ? `${bytes / 1_048_576} MiB` : `${bytes} bytes`;
}

/** The text with the master key blanked in every spelling the redaction knows (JSON escapes, percent-encoding, base64). */
function withoutMasterKey(connection: AdminConnection, text: string): string {
  return new SecretRedactor([connection.masterKey]).redact(text);
}

function describeRefusal(status: number, text: string): string {
  try {
    const { error } = JSON.parse(text) as { error: { message: string; code: string } };
    const hint = error.code === 'invalid_api_key' || error.code === 'missing_api_key' ? ' (is this the master key of that gateway?)' : '';
    return `${error.message} [${status} ${error.code}]${hint}`;
  } catch {
    return `the gateway answered ${status}: ${text.slice(0, 200)}`;
  }
}
