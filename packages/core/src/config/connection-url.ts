import type { ValidationProblem } from '../validation/compile-validator.js';

/**
 * The first character of a URL's user name or password that a URL cannot hold as it is: `/`, `?`
 * and `#` end the host part early, so the URL does not parse, or (`user:1234/5678@host`) parses
 * with `user` as its host and port 1234. Read up to the last `@`, as URL parsers read a password;
 * a URL that parses with a user name or password of its own keeps a later `@` in its query
 * (`?application_name=a@b`). Undefined when there is none.
 */
export function unencodedInUserinfo(url: string): UnencodedCharacter | undefined {
  const afterScheme = /^[a-z][a-z0-9+.-]*:\/\/(.*)$/is.exec(url)?.[1];
  const at = afterScheme?.lastIndexOf('@') ?? -1;
  if (at === -1) return undefined;
  const found = /[/?#]/.exec(afterScheme!.slice(0, at))?.[0] as UnencodedCharacter | undefined;
  if (found === undefined || parsesWithCredentials(url)) return undefined;
  return found;
}

type UnencodedCharacter = '/' | '?' | '#';

function parsesWithCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    return false;
  }
}

/** A user name or password character written as it is, in words: which one, and how to write it. The URL is never quoted. */
export function percentEncodeProblem(character: UnencodedCharacter | '%'): string {
  const encoded = `%${character.charCodeAt(0).toString(16).toUpperCase()}`;
  return `its user name or password holds '${character}' as it is: percent-encode it (encodeURIComponent; '${character}' is ${encoded})`;
}

const redisUrlForm = 'redis://[user:password@]host:port[/db], or rediss:// for TLS';

/**
 * Why ioredis could not read a Redis URL as meant, undefined when it can: it reads it with
 * WHATWG `new URL()` (a TypeError stack trace at start when that throws), decodes the user
 * name and password, and takes the path as the database number. Never quotes the URL.
 */
export function redisUrlProblem(url: string): string | undefined {
  const unencoded = unencodedInUserinfo(url);
  if (unencoded) return percentEncodeProblem(unencoded);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `is not a Redis URL (${redisUrlForm})`;
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') return `is not a Redis URL (${redisUrlForm})`;
  try {
    decodeURIComponent(parsed.username);
    decodeURIComponent(parsed.password);
  } catch {
    // A '%' that starts no escape, or `%ff` (no UTF-8 text): ioredis's decodeURIComponent threw "URI malformed".
    return percentEncodeProblem('%');
  }
  if (parsed.pathname !== '' && parsed.pathname !== '/' && !/^\/\d+$/.test(parsed.pathname)) {
    return 'the path after the host must be a database number (redis://host:6379/0)';
  }
  return undefined;
}

/**
 * A plugin's `checkOptions` answer for its Redis URL option at `path`: none when it names no
 * Redis URL. A URL ioredis cannot read was a TypeError stack trace at start, after validate passed it.
 */
export function redisUrlProblems(url: string | undefined, path: string): ValidationProblem[] {
  const problem = url === undefined ? undefined : redisUrlProblem(url);
  return problem ? [{ path, message: problem }] : [];
}
