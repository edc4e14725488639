import { escapedReading } from './escaped-reading.js';
import { escapeRegExp, jsonShortEscapes, KnownSecretMatcher, maxEscapeBackslashes, minQuotedPartLength, minSecretLength, percentBytes } from './known-secret-matcher.js';
import { ampersandFrom, blankSpans, cutReferenceAt, decodeReferences, mergedSpans, pairsOf, spansThroughReferences } from './html-references.js';

export { minQuotedPartLength, minSecretLength } from './known-secret-matcher.js';

/**
 * Provider error messages sometimes quote part of the key they rejected
 * ("Incorrect API key provided: sk-proj-****1a2b"). Before any upstream text reaches
 * a client or a log line it goes through here. Each is a prefix and what follows it.
 */
const prefixedKeys: Array<[prefix: string, rest: string]> = [
  ['sk-', String.raw`[A-Za-z0-9_*\-]{6,}`], // OpenAI, Anthropic (sk-ant-…), DeepSeek
  ['sy-', String.raw`[A-Za-z0-9_\-]{6,}`], // our own keys
  ['AIza', String.raw`[0-9A-Za-z_\-]{10,}`], // Google
  ['(?:AKIA|ASIA)', '[0-9A-Z]{12,}'], // AWS access key ids
  ['gsk_', '[A-Za-z0-9]{10,}'], // Groq
  ['xai-', '[A-Za-z0-9]{10,}'], // xAI
];

/**
 * A key at a word's start, or right after a percent-encoded character (`?key%3DAIza…`,
 * `Bearer%20sk-…`: a URL or a header quoted inside another URL) or an underscore (`resp_sk-…`,
 * `x_sy-…`: a key pasted into an id or a path segment), each a word character to `\b`.
 * The look back comes after the prefix, so it is tried only where one is.
 */
const keyAtStart = ([prefix, rest]: [string, string]) => String.raw`\b${prefix}${rest}|${prefix}(?<=(?:%[0-9A-Fa-f]{2}|_)${prefix})${rest}`;

/** A bearer token, its space also percent- or form-encoded. */
const bearerToken = /\bBearer(?:\s|%20|\+)+[A-Za-z0-9._~+/=\-]{8,}/gi;

const keyLikePatterns: RegExp[] = [...prefixedKeys.map((key) => new RegExp(keyAtStart(key), 'g')), bearerToken];

/**
 * An HTTP `Basic` credential (`Basic base64(user:password)`), its space also percent- or
 * form-encoded, its token's `+`, `/` and `=` percent-encoded too: an SDK's or an HTTP client's
 * error keeps the request it sent, and an upstream or a proxy may echo it. Base64 hides a
 * key-shaped password from every other pattern. Blanked only when the token is base64 of a
 * `user:password` (isBasicToken), so the word in prose ("Basic authentication failed") stays.
 */
const basicCredential = /\bBasic(?:\s|%20|\+)+((?:[A-Za-z0-9+/_-]|%2[BbFf]){8,}(?:=|%3[Dd]){0,2})(?![A-Za-z0-9+/=_-])/gi;

/** Whether `token` (percent-encoded or not) is base64 or base64url of text holding a `:` and no control character: a user and a password. */
function isBasicToken(token: string): boolean {
  const decoded = Buffer.from(token.replace(/%2[Bb]/g, '+').replace(/%2[Ff]/g, '/').replace(/%3[Dd]/g, '='), 'base64').toString('utf8');
  return decoded.includes(':') && !/[\x00-\x1f\x7f\ufffd]/.test(decoded);
}

/**
 * Whether a text may hold a key-shaped string: one scan, to spare a short text that
 * holds none (a model name on the request path) the patterns' replacements. Wider than
 * they are (any case), so a text it passes over holds none of theirs.
 */
export const mayHoldKeyShaped = new RegExp([...prefixedKeys.map(keyAtStart), bearerToken.source, String.raw`\bBasic(?:\s|%20|\+)+(?:[A-Za-z0-9+/_-]|%2[BbFf]){8,}`].join('|'), 'i');

/**
 * The password of a URL (`postgres://app:…@db/x`, `redis://:…@cache`): a database or Redis URL
 * quoted in a message (a config problem, a driver's words) carries it. Up to the last `@`
 * before the host, for a password whose `@` was not percent-encoded; the rest of the URL is
 * kept, to say which one it was. The scheme is bounded so a long run of dotted words costs linear time.
 */
const urlPassword = /\b([a-z][a-z0-9+.-]{0,31}:\/\/[^\s:@/?#]*:)([^\s/?#]+)@/gi;

/**
 * A password holding an unencoded `/` (`redis://default:ab/cd@cache`): no URL parser reads such a
 * URL, and its refusal (Node's `Invalid URL`, which ioredis and pg throw) keeps it whole as
 * `input`, which a logged error's fields show. Up to the first `@`; a port followed by a path
 * (`host:8443/@scope`) is no password.
 */
const urlPasswordWithSlash = /\b([a-z][a-z0-9+.-]{0,31}:\/\/[^\s:@/?#]*:)(?![0-9]*\/)([^\s@/?#]*\/[^\s@?#]*)@/gi;

/**
 * A credential a URL carries in its query (`postgres://app@db/x?password=…`, which libpq and
 * pg read, as ioredis does a Redis URL's; a proxy's `?key=`, `?api-key=`, `?token=`, a signed
 * URL's `sig`): blanked to the parameter's end, the parameter's name kept to say which.
 */
const queryCredential = /([?&;](?:x-(?:amz|goog)-)?(?:password|passwd|pwd|secret|token|security-token|access_token|api[_-]?key|key|sig|signature)=)[^&;\s#'"<>)]+/gi;

/**
 * A SigV4 signature as an `Authorization` header writes it (`…, Signature=<64 hex>`), which AWS and
 * a proxy echoing the request quote: for its few minutes it signs that request, which anyone holding
 * it may send again on the gateway's account. A presigned URL's (`&X-Amz-Signature=`) is a query credential.
 */
const sigV4Signature = /(\bSignature=)[0-9a-fA-F]{64}\b/g;

/** The credentials found by a name before them, the name kept to say which: a URL's query parameter, a SigV4 signature. */
const namedCredentials = [queryCredential, sigV4Signature];

/** A URL's password that only says where one goes, as a message's example does (`postgres://user:password@host`). */
const placeholderPassword = /^<?password>?$/i;

function blankPassword(url: string, head: string, password: string): string {
  return placeholderPassword.test(password) ? url : `${head}[REDACTED]@`;
}

/** Where redact's patterns (key-shaped strings, bearer tokens, a URL's password or query credential) blank `text`, as `[start, end)` pairs. */
function credentialSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (const pattern of keyLikePatterns) for (const match of text.matchAll(pattern)) spans.push([match.index, match.index + match[0].length]);
  for (const match of text.matchAll(basicCredential)) if (isBasicToken(match[1]!)) spans.push([match.index, match.index + match[0].length]);
  for (const pattern of [urlPassword, urlPasswordWithSlash]) {
    for (const match of text.matchAll(pattern)) {
      const start = match.index + match[1]!.length;
      if (!placeholderPassword.test(match[2]!)) spans.push([start, start + match[2]!.length]);
    }
  }
  for (const pattern of namedCredentials) for (const match of text.matchAll(pattern)) spans.push([match.index + match[1]!.length, match.index + match[0].length]);
  return spans;
}

/**
 * `text` with what redact's patterns find in its escaped reading (`\u0073k-…` left in a message,
 * `sk%2Dant%2D…`) blanked over the escapes that spell it: a configured secret is found in every
 * spelling by its own expression, a key-shaped string of no configured one only here.
 */
function blankEscapedCredentials(text: string): string {
  const reading = escapedReading(text);
  if (!reading) return text;
  const spans = credentialSpans(reading.text);
  if (spans.length === 0) return text;
  return blankSpans(text, mergedSpans(spans.map(([start, end]) => [reading.starts[start]!, reading.starts[end]!])));
}

/**
 * A blank followed right away by characters a key holds: another key that begins as a configured
 * one does (every Anthropic key begins `sk-ant-api03-`, as long as a quoted start of one), whose
 * start was blanked as that quoted start, here or where the upstream's body came in
 * (`redactKnown`), so that no key-shaped pattern found it after.
 */
const blankedKeyRest = /\[REDACTED\][A-Za-z0-9_*\-]+/g;

/** `text` with the rest of each key whose start alone was blanked (see blankedKeyRest) blanked too. */
export function blankKeyRests(text: string): string {
  return text.includes('[REDACTED]') ? text.replace(blankedKeyRest, '[REDACTED]') : text;
}

/**
 * A stream holds back the end of its text while that end is a run of this many characters
 * of a known secret or more, from a place where a quoted end of it ({@link minQuotedPartLength}
 * or more) may start: such a run may be an end the next pieces complete. Shorter runs are
 * too common in ordinary text to hold for (each piece ending in a letter of the key would
 * wait). So when a quoted end begins in a piece already sent, up to this many less one of
 * its characters reach the client before the blank.
 */
export const heldRunLength = 4;

/**
 * Blanks known secrets (the provider's configured credentials), key-shaped
 * strings and a URL's password in a text. A known secret is found whole, or as a start or an end of it
 * of at least {@link minQuotedPartLength} characters, and in every JSON spelling:
 * any of its characters written as `\uXXXX` (either case of hex), `\/`, `\"`
 * and so on, at any depth of JSON-in-a-JSON-string; and percent-encoded, as an
 * upstream quoting the URL or form it was sent writes it (`%2D`, `%2F`, the `%`
 * itself JSON-escaped or encoded twice). A whole secret is found in base64 and
 * base64url too (an echoed `Authorization: Basic …`). A text holding HTML character references
 * (an upstream's error page: `&#115;k-…`, `&#x73;`, `key&#61;…`) is read decoded as well, and
 * the references that spelled a secret or a key-shaped string are blanked whole (html-references.ts).
 * Compiled once per set of secrets; `redact` is safe to call on every error and log line.
 */
export class SecretRedactor {
  private readonly known: KnownSecretMatcher | undefined;

  /**
   * The secrets' byte-encoded forms (base64, base64url, hex), whole: computed once, here, and found
   * as literals, without the JSON spellings and quoted parts, which would cost every redaction several times over.
   */
  private readonly encoded: RegExp | undefined;

  /** Those forms by their first character: a stream holds back a text's end that may start one (formStartAt). */
  private readonly formsByFirst: ReadonlyMap<number, readonly string[]>;

  /** The longest form's length: how far back from a text's end a start of one is looked for. */
  private readonly longestForm: number;

  /** The shortest form's length: a line break inside a shorter run of base64 characters wraps none (mayBeWrapped). */
  private readonly shortestForm: number;

  /** Undefined when a secret holds a character the quick look cannot reason about: every text then takes the expressions. */
  private readonly quickLook: QuickLook | undefined;

  /** The known secrets, for a stream's held tail (possibleStartAt). */
  private readonly secrets: readonly string[];

  /** What a secret's spelling may begin with: its first character, or an escape's backslash or `%`. */
  private readonly startCodes: ReadonlySet<number>;

  /** The longest a spelling of a secret's proper start can be: how far back from a text's end a start is looked for. */
  private readonly longestStart: number;

  /** The secrets long enough to have a quoted end, for the runs a stream holds back (possibleStartAt). */
  private readonly runs: readonly SecretRuns[];

  /** The characters a spelling of a secret may hold: its own, and those of escapes and percent-encodings. */
  private readonly spellable: ReadonlySet<number>;

  /** Hashes of every {@link heldRunLength} characters in a row of those secrets: a plain text whose end hashes to none ends in no run. */
  private readonly runGrams: ReadonlySet<number>;

  /** Whether a secret holds a space, which a form writes as `+`: a `+` may then spell a character of one, as an escape does. */
  private readonly plusSpellsSpace: boolean;


  /**
   * `quickLook: false` runs the expressions on every text: the reference the quick look is
   * held to (packages/core/test/redact-secrets-quick-look.property.test.ts).
   */
  constructor(knownSecrets: Iterable<string> = [], options: { quickLook?: boolean } = {}) {
    const secrets = [...new Set(knownSecrets)].filter((secret) => secret.length >= minSecretLength);
    this.secrets = [...secrets];
    this.plusSpellsSpace = secrets.some((secret) => secret.includes(' '));
    const plus = this.plusSpellsSpace ? ['+'] : [];
    this.startCodes = new Set(secrets.length > 0 ? [0x5c, 0x25, ...secrets.map((secret) => secret.charCodeAt(0)), ...(secrets.some((secret) => secret.startsWith(' ')) ? [0x2b] : [])] : []);
    this.longestStart = Math.max(0, ...secrets.map((secret) => (secret.length - 1) * longestCharacterSpelling));
    const shortEscapes = secrets.flatMap((secret) => [...secret].flatMap((char) => jsonShortEscapes[char] ?? []));
    this.spellable = new Set([...secrets.join(''), ...shortEscapes, ...plus, ...'\\%ux0123456789abcdefABCDEF'].map((char) => char.charCodeAt(0)));
    this.runs = secrets.filter((secret) => secret.length > minQuotedPartLength).map(runsOf);
    this.runGrams = new Set(this.runs.flatMap(({ secret }) => [...Array(secret.length - heldRunLength + 1).keys()].map((at) => gramHash(secret, at, at + heldRunLength))));
    const forms = [...new Set(secrets.flatMap(encodedForms))].sort((a, b) => b.length - a.length);
    const formsByFirst = new Map<number, string[]>();
    for (const form of forms) formsByFirst.set(form.charCodeAt(0), [...(formsByFirst.get(form.charCodeAt(0)) ?? []), form]);
    this.formsByFirst = formsByFirst;
    this.longestForm = forms[0]?.length ?? 0;
    this.shortestForm = forms.at(-1)?.length ?? 0;
    this.quickLook = options.quickLook === false ? undefined : quickLookFor(secrets, forms);
    // A JSON writer may escape the slash; nothing else base64 holds.
    this.encoded = forms.length > 0 ? new RegExp(forms.map((form) => escapeRegExp(form).replace(/\\\//g, '(?:\\\\*\\/)')).join('|'), 'g') : undefined;
    // Longest first, so a secret that contains another is blanked whole.
    this.known = secrets.length > 0 ? new KnownSecretMatcher(secrets.sort((a, b) => b.length - a.length)) : undefined;
  }

  redact(text: string): string {
    // An HTML error page may spell a key or its delimiters with character references (`&#115;k-…`, `key&#61;…`).
    const spelled = spansThroughReferences(text, (read) => mergedSpans([...pairsOf(this.knownSpans(read)), ...credentialSpans(read)]));
    if (spelled) return blankKeyRests(blankEscapedCredentials(blankSpans(text, spelled)));
    let result = this.redactKnownPlain(text);
    for (const pattern of keyLikePatterns) result = result.replace(pattern, '[REDACTED]');
    result = result.replace(basicCredential, (match: string, token: string) => (isBasicToken(token) ? '[REDACTED]' : match));
    result = result.replace(urlPassword, blankPassword).replace(urlPasswordWithSlash, blankPassword);
    for (const pattern of namedCredentials) result = result.replace(pattern, '$1[REDACTED]');
    return blankKeyRests(blankEscapedCredentials(result));
  }

  /** Whether any secret is known: without one, a stream's text has nothing to be held back for. */
  get knowsSecrets(): boolean {
    return this.secrets.length > 0;
  }

  /**
   * Where the end of `text` (from `from` to `to`) may be the start of a known secret, or of a
   * quoted end of one, that the next piece of a stream completes: the start of the longest such
   * tail, `to` when there is none. A stream holds that tail back (and only it) until the next
   * piece comes, so a key split across events is blanked whole. A tail is a proper start of a
   * secret (any length), or a run of {@link heldRunLength} or more of its characters from where
   * a quoted end may start; text from `sent` to `from` was already sent (what a stream keeps,
   * {@link keptFrom}), and a run begun there holds all from `from`. Allocates nothing
   * for a text whose last characters cannot begin a secret's spelling (nor end a run of one).
   */
  possibleStartAt(text: string, from = 0, to = text.length, sent = from): number {
    if (this.secrets.length === 0) return to;
    const run = Math.min(this.runStartAt(text, sent, to), this.runs.length > 0 ? cutEscapeAt(text, from, to) : to);
    const end = Math.max(from, run);
    const held = Math.min(this.properStartAt(text, Math.max(from, to - this.longestStart), end, to), this.spelledStartAt(text, from, to, sent), this.formStartAt(text, from, to));
    if (held === to) return to;
    // A blank across the held place is made now; a run after it may still be a quoted end the next piece completes.
    const blankEnd = this.blankEndAcross(text, sent, held, to);
    return blankEnd === held ? held : blankEnd >= to ? to : this.possibleStartAt(text, blankEnd, to, sent);
  }

  /**
   * Where the end of `text` (from `from` to `to`) may be a start of a secret, or a run of a quoted end,
   * spelled with HTML character references (`&#115;&#107;`), or a reference the next piece may finish
   * (`&#11`): held back as a plain one is. `to` when the end holds no `&`, the usual answer, found without decoding.
   */
  private spelledStartAt(text: string, from: number, to: number, sent: number): number {
    const floor = Math.max(sent, to - this.longestStart);
    const ampersand = ampersandFrom(text, floor);
    if (ampersand < 0 || ampersand >= to) return to;
    const cut = cutReferenceAt(text, floor, to);
    const decoded = decodeReferences(text.slice(floor, cut), true);
    // A plain start cut by a reference (`s&` | `#x6b;…`) runs to the reference.
    if (!decoded) return cut < to ? Math.max(from, this.properStartAt(text, Math.max(from, floor), cut, cut)) : to;
    // Decoded once, `&amp;` is a reference's `&` the next piece may finish (`&amp;` | `#115;`).
    const end = cutReferenceAt(decoded.text, 0, decoded.text.length);
    const start = Math.min(this.properStartAt(decoded.text, 0, end, end), this.runStartAt(decoded.text, 0, end));
    // What was sent stays sent: a start or run begun there holds all from `from`.
    return Math.max(from, floor + decoded.starts[Math.min(start, end)]!);
  }

  /**
   * The first place from `from` on where a proper start of a byte-encoded form of a secret (base64,
   * hex) runs to `to`, line breaks in it skipped (wrapped base64); `to` when there is none. Such a form
   * is blanked whole only: a start of it sent would leave the rest unblanked, so it is held as a start of the secret is.
   */
  private formStartAt(text: string, from: number, to: number): number {
    if (this.longestForm === 0) return to;
    // Only the run of base64 characters and line breaks the text ends in: usually a word's end, often nothing.
    const floor = Math.max(from, to - 2 * this.longestForm - 8);
    let run = to;
    for (let code = text.charCodeAt(run - 1); run > floor && (isBase64Code(code) || code === 0x5c || code === 0x0a || code === 0x0d); code = text.charCodeAt(--run - 1));
    for (let at = run; at < to; at++) {
      const forms = this.formsByFirst.get(text.charCodeAt(at));
      // Not from inside an escape (the `77` of `\u0077` starts a hex form): the blank would leave half of it sent.
      if (forms === undefined || isInsideEscape(text, at)) continue;
      for (const form of forms) if (formPrefixRunsTo(text, at, to, form)) return at;
    }
    return to;
  }

  /** The first place from `from` to `end` where a proper start of a secret runs to `to`; `end` (at most `to`) when there is none. */
  private properStartAt(text: string, from: number, end: number, to: number): number {
    for (let at = from; at < end; at++) {
      if (!this.startCodes.has(text.charCodeAt(at)) || isInsideEscape(text, at)) continue;
      for (const secret of this.secrets) if (runLength(secret, 0, text, at, to) >= 0) return at;
    }
    return Math.min(end, to);
  }

  /**
   * Where a secret (or a quoted part of one) in `text` from `sent` to `to` blanked across `at`
   * ends; `at` when none is: a key whose last character starts it again (`sk-…s`) ends in a
   * possible start, and holding that back cut the end short of what blanks it. Then that blank is
   * made now, and only what follows it may be held (a repeating token's quoted end runs on there).
   */
  private blankEndAcross(text: string, sent: number, at: number, to: number): number {
    const looked = text.slice(sent, to);
    const spelled = spansThroughReferences(looked, (read) => this.knownSpans(read));
    if (spelled) {
      for (let index = 0; index < spelled.length; index += 2) if (spelled[index]! < at - sent && spelled[index + 1]! > at - sent) return sent + spelled[index + 1]!;
      return at;
    }
    if (!this.known || (this.quickLook && !this.quickLook.mayHold(looked))) return at;
    return sent + carriedBlankEnd(looked, at - sent, this.known);
  }

  /**
   * Where the longest run (see possibleStartAt) ending at `to` starts, from `sent` on; `to` when
   * none does. Only the characters back to the last one no spelling of a secret holds (a space,
   * most punctuation) are looked at; those without an escape or a `%` are a run only when their
   * last {@link heldRunLength} are a secret's (runGrams), the usual answer, found without the scan.
   */
  private runStartAt(text: string, sent: number, to: number): number {
    if (this.runs.length === 0) return to;
    const floor = Math.max(sent, to - this.longestStart);
    let from = to;
    let escaped = false;
    for (let code = text.charCodeAt(from - 1); from > floor && this.spellable.has(code); code = text.charCodeAt(--from - 1)) escaped ||= this.spellsOther(code);
    if (to - from < heldRunLength || (!escaped && !this.runGrams.has(gramHash(text, to - heldRunLength, to)))) return to;
    for (let at = from; at < to; at++) {
      const code = text.charCodeAt(at);
      if (isInsideEscape(text, at)) continue;
      for (const { secret, byCode, all } of this.runs) {
        const offsets = this.spellsOther(code) ? all : byCode.get(code);
        if (offsets === undefined) continue;
        for (const offset of offsets) if (runLength(secret, offset, text, at, to) >= heldRunLength) return at;
      }
    }
    return to;
  }

  /** Whether the character `code` may begin the spelling of another: an escape's `\\`, a `%`, a `+` for a space. */
  private spellsOther(code: number): boolean {
    return code === 0x5c || code === 0x25 || (code === 0x2b && this.plusSpellsSpace);
  }

  /**
   * Where what a stream keeps of the text it sent (up to `at`, from `floor` on) starts, to find a
   * run of a secret begun there: the characters a spelling of a secret may hold, back to the last
   * one none does, and no more than {@link heldRunLength} less one characters' longest spelling
   * (a run that long would have been held), HTML character references (`&#112;`, `&amp;#x70;`) included.
   * Usually the end of the last word, often nothing.
   */
  keptFrom(text: string, at: number, floor = 0): number {
    if (this.runs.length === 0) return at;
    const bound = Math.max(floor, at - (heldRunLength - 1) * longestCharacterSpelling);
    let from = at;
    for (let code = text.charCodeAt(from - 1); from > bound && (this.spellable.has(code) || referenceCodes.has(code)); code = text.charCodeAt(--from - 1));
    return from;
  }

  /**
   * `text` from `from` to `to` with the known secrets blanked, reading what comes before `from`
   * as already sent: a secret (or a quoted start or end of one) that began there is blanked
   * from `from` on, the rest of it; what was sent stays sent. A stream's piece goes on through this.
   */
  redactSent(text: string, from: number, to = text.length): string {
    if (from === 0) return this.redactKnown(text.slice(0, to));
    const whole = text.slice(0, to);
    const spelled = spansThroughReferences(whole, (read) => this.knownSpans(read));
    if (spelled) return blankSpans(whole, spelled, from);
    if (this.quickLook && !this.quickLook.mayHold(whole) && !this.mayBeWrapped(whole)) return text.slice(from, to);
    // Blanked where the whole text's matches are: the sent part read again after a blank begun there
    // found other matches (a repeating token's start read on from another place) and left a run of it.
    return blankSpans(whole, this.knownSpans(whole), from);
  }

  /**
   * Where redactKnown blanks `text`, as `[start, end)` pairs one after the other (flattened),
   * those that overlap or touch merged; empty when it blanks nothing. For a text a client
   * reads in pieces as well as whole (a stream's logprobs tokens, whose joined text is the
   * answer's): each piece is blanked where a span covers it.
   */
  blankedSpans(text: string): number[] {
    if (this.secrets.length === 0) return [];
    return spansThroughReferences(text, (read) => this.knownSpans(read)) ?? this.knownSpans(text);
  }

  /** blankedSpans without reading character references. */
  private knownSpans(text: string): number[] {
    const found: Array<[number, number]> = this.mayBeWrapped(text) ? this.wrappedFormSpans(text) : [];
    if (this.quickLook && !this.quickLook.mayHold(text)) return found.length > 0 ? mergedSpans(found) : [];
    if (this.known) {
      for (const { start, end } of this.known.matches(text, true)) pushUnspaced(found, text, start, end);
    }
    if (this.encoded) for (const match of text.matchAll(this.encoded)) found.push([match.index, match.index + match[0].length]);
    return mergedSpans(found);
  }

  /** Whether `text` may hold a byte-encoded form of a secret wrapped over lines (`\n`, `\r\n`, JSON-escaped too): MIME base64 at 76 columns, PEM at 64. */
  private mayBeWrapped(text: string): boolean {
    return this.encoded !== undefined && lineBreak.test(text) && hasWrappedRun(text, this.shortestForm);
  }

  /** Where the forms are found in `text` read with the line breaks between base64 characters taken out, as `[start, end)` pairs of `text`. */
  private wrappedFormSpans(text: string): Array<[number, number]> {
    const reading = lineJoinedReading(text);
    if (reading === undefined) return [];
    const found: Array<[number, number]> = [];
    for (const match of reading.text.matchAll(this.encoded!)) found.push([reading.starts[match.index]!, reading.starts[match.index + match[0].length - 1]! + 1]);
    return found;
  }

  /** Whether `text` (not empty) is a piece of a known secret, as it is: an alternative token at a place where the secret was blanked. */
  isPieceOfSecret(text: string): boolean {
    return text.length > 0 && this.secrets.some((secret) => secret.includes(text));
  }

  /**
   * Only the known secrets blanked, not key-shaped strings: for text that is not an
   * error's but may be the model's (an upstream event the fast path passes on),
   * where a key-shaped word is content. The same text when none is in it.
   */
  redactKnown(text: string): string {
    if (this.secrets.length === 0) return text;
    // An HTML error page may spell a secret with character references (`&#115;k-…`, `sk&#45;…`).
    const spelled = spansThroughReferences(text, (read) => this.knownSpans(read));
    return spelled ? blankSpans(text, spelled) : this.redactKnownPlain(text);
  }

  /** redactKnown without reading character references. */
  private redactKnownPlain(text: string): string {
    if (this.mayBeWrapped(text)) {
      const spans = this.knownSpans(text);
      return spans.length > 0 ? blankSpans(text, spans) : text;
    }
    if (this.quickLook && !this.quickLook.mayHold(text)) return text;
    const result = this.known ? blankKnown(text, this.known) : text;
    return this.encoded ? result.replace(this.encoded, '[REDACTED]') : result;
  }
}

/** The characters of a numeric HTML character reference, escaped twice too (`&amp;#x70;`), beside its digits. */
const referenceCodes: ReadonlySet<number> = new Set([...'&#;xXamp'].map((char) => char.charCodeAt(0)));

/**
 * How long one character of a secret may be spelled: an escape's backslashes, then
 * `u0025` and two hex digits (a percent-encoded character, its `%` JSON-escaped).
 */
const longestCharacterSpelling = maxEscapeBackslashes + 7;

/**
 * How many characters of `secret` from `index` on `text` spells from `at` to `end`, in some
 * spelling redactKnown blanks (each character as itself, `\uXXXX`, a short escape or
 * percent-encoded), possibly ending inside a further character's spelling (`\u00`, `%2`): what
 * the next piece of a stream may go on with. -1 when it spells something else, or the secret
 * to its end (redactKnown blanks that: nothing is held for it).
 */
function runLength(secret: string, index: number, text: string, at: number, end: number): number {
  let position = at;
  for (let next = index; next < secret.length; next++) {
    if (position === end) return next - index;
    const spelled = spelledLength(text, position, secret.charCodeAt(next), end);
    if (spelled === 0) return -1;
    // Cut inside the character's spelling: it may still be this character.
    if (position + spelled > end) return next - index;
    position += spelled;
  }
  return -1;
}

/**
 * Where an escape cut short by `to` starts (a run of backslashes, then perhaps `u` and up to
 * three hex digits), from `from` on; `to` when the text ends in none. A stream holds it back
 * with the run before it: a quoted end that began in what was sent is blanked from the next
 * piece on, and after half an escape already sent (JSON inside a JSON string, a tool call's
 * arguments, splits them across events) the client's joined text would no longer parse.
 */
function cutEscapeAt(text: string, from: number, to: number): number {
  let at = to;
  while (at > from && to - at < 3 && isHexDigit(text.charCodeAt(at - 1))) at--;
  // `\u` takes up to three hex digits cut short, a byte escape's `\x` one.
  if (at > from && (text.charCodeAt(at - 1) === 0x75 || (text.charCodeAt(at - 1) === 0x78 && to - at < 2))) at--;
  else if (at < to) return to;
  const escape = at;
  while (at > from && text.charCodeAt(at - 1) === 0x5c) at--;
  return at < escape ? at : to;
}

/**
 * Whether `at` is inside an escape (its `u` or `x`, hex digits or short letter, after the backslash):
 * no run or start of a secret is held from there, as the blank would begin there too and leave
 * half the escape (`\u00` of `\u0034`, whose `34` spell characters of the key) already sent,
 * which no JSON reader takes.
 */
function isInsideEscape(text: string, at: number): boolean {
  let back = at;
  while (back > 0 && at - back < 4 && isHexDigit(text.charCodeAt(back - 1))) back--;
  // Four hex digits after `\u` end the escape: what follows is outside it (a key may start right there).
  if (at - back < 4 && back > 1 && text.charCodeAt(back - 1) === 0x75 && text.charCodeAt(back - 2) === 0x5c) return true;
  // Two end a byte escape (`\x73`).
  if (at - back < 2 && back > 1 && text.charCodeAt(back - 1) === 0x78 && text.charCodeAt(back - 2) === 0x5c) return true;
  return at > 0 && text.charCodeAt(at - 1) === 0x5c;
}

function isHexDigit(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

/** A secret with a quoted end: where such an end may start, by the character found there (any, for an escape's `\` or a `%`). */
interface SecretRuns {
  secret: string;
  byCode: ReadonlyMap<number, readonly number[]>;
  all: readonly number[];
}

function runsOf(secret: string): SecretRuns {
  const all = [...Array(secret.length - minQuotedPartLength + 1).keys()];
  const byCode = new Map<number, number[]>();
  for (const offset of all) byCode.set(secret.charCodeAt(offset), [...(byCode.get(secret.charCodeAt(offset)) ?? []), offset]);
  return { secret, byCode, all };
}

/** A hash of the characters of `text` from `from` to `to` (out of range: none). */
function gramHash(text: string, from: number, to: number): number {
  let hash = 0;
  for (let at = from; at < to; at++) hash = (Math.imul(hash, 31) + text.charCodeAt(at)) | 0;
  return hash;
}

/** Where a blank that begins before `from` ends (see blankKnown), `from` when none does. */
function carriedBlankEnd(text: string, from: number, known: KnownSecretMatcher): number {
  let reach = from;
  for (const { start, end } of known.matches(text, true)) if (start < from && end > reach) reach = end;
  return reach;
}

/**
 * How many characters of `text` from `at` spell the character `code`; 0 when they do
 * not; past the text's end when what is there is a start of its spelling.
 */
function spelledLength(text: string, at: number, code: number, end: number): number {
  const first = text.charCodeAt(at);
  if (first === code || (first === 0x2b && code === 0x20)) return 1;
  if (first === 0x25) return percentLength(text, at, at + 1, code, end);
  if (first !== 0x5c) return 0;
  let after = at;
  while (after < end && text.charCodeAt(after) === 0x5c && after - at < maxEscapeBackslashes) after++;
  if (after === end) return after - at + 6;
  const next = text.charCodeAt(after);
  const short = jsonShortEscapes[String.fromCharCode(code)];
  if (short !== undefined && next === short.charCodeAt(0)) return after + 1 - at;
  if (next === 0x78) return byteEscapesLength(text, at, after + 1, code, end);
  if (next !== 0x75) return 0;
  const hex = after + 1;
  if (hexStartMatches(text, hex, 4, code, end)) return endOrCut(at, hex + 4, end);
  if (hexStartMatches(text, hex, 4, 0x25, end)) return hex + 4 > end ? end - at + 1 : percentLength(text, at, hex + 4, code, end);
  return 0;
}

/**
 * After a byte escape's `\x` (ending at `from`): the bytes of `code`'s UTF-8, each two hex digits,
 * each byte after the first after its own backslashes and `x`.
 */
function byteEscapesLength(text: string, at: number, from: number, code: number, end: number): number {
  const bytes = percentBytes(code);
  if (bytes === undefined) return 0;
  let position = from;
  for (let index = 0; index < bytes.length; index++) {
    if (index > 0) {
      let after = position;
      while (after < end && text.charCodeAt(after) === 0x5c && after - position < maxEscapeBackslashes) after++;
      if (after === position) return position >= end ? end - at + 1 : 0;
      if (after >= end) return end - at + 1;
      if (text.charCodeAt(after) !== 0x78) return 0;
      position = after + 1;
    }
    if (!hexStartMatches(text, position, 2, bytes[index]!, end)) return 0;
    position += 2;
    if (position > end) return end - at + 1;
  }
  return endOrCut(at, position, end);
}

/** The length of a spelling from `at` to `end`, or one past the text's end when it is cut there. */
function endOrCut(at: number, spellingEnd: number, end: number): number {
  return spellingEnd <= end ? spellingEnd - at : end - at + 1;
}

/**
 * After a `%` (ending at `from`): the bytes of `code`'s percent-encoding (percentBytes: one for
 * ASCII, its UTF-8 beyond), each two hex digits after an optional `25` (encoded twice), each byte
 * after the first after its own `%` (or `\\u0025`).
 */
function percentLength(text: string, at: number, from: number, code: number, end: number): number {
  const bytes = percentBytes(code);
  if (bytes === undefined) return 0;
  let position = from;
  for (let index = 0; index < bytes.length; index++) {
    if (index > 0) {
      const prefix = percentPrefixLength(text, position, end);
      if (prefix === 0) return 0;
      if (position + prefix >= end) return end - at + 1;
      position += prefix;
    }
    if (hexStartMatches(text, position, 2, bytes[index]!, end)) position += 2;
    else if (hexStartMatches(text, position, 2, 0x25, end) && hexStartMatches(text, position + 2, 2, bytes[index]!, end)) position += 4;
    else return 0;
    if (position > end) return end - at + 1;
  }
  return endOrCut(at, position, end);
}

/**
 * The length of a byte's `%` at `at` (1), or of its JSON escape (backslashes, then `u0025`); past
 * `end` when what is there is a start of one cut by it; 0 when there is neither.
 */
function percentPrefixLength(text: string, at: number, end: number): number {
  if (at >= end) return 1;
  const first = text.charCodeAt(at);
  if (first === 0x25) return 1;
  if (first !== 0x5c) return 0;
  let after = at;
  while (after < end && text.charCodeAt(after) === 0x5c && after - at < maxEscapeBackslashes) after++;
  for (let index = 0; index < 5; index++) {
    if (after + index >= end) return end - at + 1;
    if (text.charCodeAt(after + index) !== 'u0025'.charCodeAt(index)) return 0;
  }
  return after + 5 - at;
}

/** Whether the `length` hex digits at `at` are `code`'s, or a start of them cut by the text's end. */
function hexStartMatches(text: string, at: number, length: number, code: number, end: number): boolean {
  if (code >= 1 << (4 * length)) return false;
  for (let index = 0; index < length; index++) {
    if (at + index >= end) return true;
    // By char code, not Number.parseInt: a stream's text with an escape is looked at here for every place a run may start.
    if (hexDigitValue(text.charCodeAt(at + index)) !== (code >> (4 * (length - 1 - index))) % 16) return false;
  }
  return true;
}

/** The value of a hex digit's char code; -1 for any other. */
function hexDigitValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/**
 * Whether a text may hold a known secret, without the expressions: they try every
 * part of every secret at every position (~10 µs for a text of a few hundred
 * characters), and the fast path hands every whole answer and every decoded stream
 * event through here. Exact, not a guess: any spelling the expressions match is a run
 * of spelled characters of a secret, so in a text where no escape or `%` can spell one
 * of their characters, a match is the characters themselves, and holds a secret whole
 * (one of {@link minQuotedPartLength} characters or fewer), its first or its last
 * {@link minQuotedPartLength} characters (a quoted start or end), or a base64 form whole.
 */
interface QuickLook {
  mayHold(text: string): boolean;
}

/** Characters JSON writes plainly (never `\"` or `\\`): a secret of others takes the expressions always. */
const plainlyWritten = /^[A-Za-z0-9+/=_.~:!@#$^*()[\]{}|;,<>?' -]*$/;

function quickLookFor(secrets: readonly string[], forms: readonly string[]): QuickLook | undefined {
  if (secrets.length === 0) return { mayHold: () => false };
  if (![...secrets, ...forms].every((text) => plainlyWritten.test(text))) return undefined;
  const characters = new Set([...secrets, ...forms].join(''));
  const needles = new Set(forms);
  for (const secret of secrets) {
    if (secret.length <= minQuotedPartLength) needles.add(secret);
    else needles.add(secret.slice(0, minQuotedPartLength)).add(secret.slice(-minQuotedPartLength));
  }
  const spells = (code: number) => code === 0x25 || (code >= 0 && characters.has(String.fromCharCode(code)));
  // A form writes a space as `+`: a text with one is looked at again with each `+` read as a space,
  // which spells a secret with spaces as itself. Not exact for a secret that also holds a `+`.
  const spaced = secrets.some((secret) => secret.includes(' '));
  if (spaced && secrets.some((secret) => secret.includes('+'))) return undefined;
  return {
    mayHold(text) {
      if (escapeMaySpell(text, characters, spells) || percentMaySpell(text, spells)) return true;
      for (const needle of needles) if (text.includes(needle)) return true;
      if (!spaced || !text.includes('+')) return false;
      const spacedText = text.replaceAll('+', ' ');
      for (const secret of secrets) {
        if (!secret.includes(' ')) continue;
        for (const needle of secret.length <= minQuotedPartLength ? [secret] : [secret.slice(0, minQuotedPartLength), secret.slice(-minQuotedPartLength)]) {
          if (spacedText.includes(needle)) return true;
        }
      }
      return false;
    },
  };
}

/** A run of backslashes then `u` and four hex digits of a secret's character (or `%`), `x` and two of one's byte, or `/` when a secret holds one. */
function escapeMaySpell(text: string, characters: ReadonlySet<string>, spells: (code: number) => boolean): boolean {
  for (let at = text.indexOf('\\'); at >= 0; at = text.indexOf('\\', at + 1)) {
    while (text.charCodeAt(at + 1) === 0x5c) at++;
    const next = text[at + 1];
    if (next === '/' && characters.has('/')) return true;
    if (next === 'u' && spells(hexValue(text, at + 2, 4))) return true;
    // A byte escape: an ASCII character of a secret, or a byte of a longer one's UTF-8.
    if (next === 'x' && hexValue(text, at + 2, 2) >= 0 && (hexValue(text, at + 2, 2) >= 0x80 || spells(hexValue(text, at + 2, 2)))) return true;
  }
  return false;
}

/** `%` and two hex digits of a secret's character, or `%25` (a `%` encoded again). */
function percentMaySpell(text: string, spells: (code: number) => boolean): boolean {
  for (let at = text.indexOf('%'); at >= 0; at = text.indexOf('%', at + 1)) {
    if (spells(hexValue(text, at + 1, 2))) return true;
  }
  return false;
}

/** The value of `length` hex digits at `at`; -1 when they are not all hex digits. */
function hexValue(text: string, at: number, length: number): number {
  let value = 0;
  for (let index = at; index < at + length; index++) {
    const digit = Number.parseInt(text[index] ?? '', 16);
    if (Number.isNaN(digit)) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/** `text` with every match of `known` blanked, a quoted end from where it was read back to (before a blank found earlier, too). */
function blankKnown(text: string, known: KnownSecretMatcher): string {
  const matches = known.matches(text, true);
  if (matches.length === 0) return text;
  const found: Array<[number, number]> = [];
  for (const { start, end } of matches) pushUnspaced(found, text, start, end);
  return blankSpans(text, mergedSpans(found));
}

/**
 * A match from `start` to `end` without the blanks at its edges: a quoted end of a secret
 * with a space in it (`Bearer <token>`, an auth-scheme value) may be read back from that
 * space, which would take the space before the token into the blank (`token[REDACTED]`).
 * A space says nothing of the secret; the words around a blank stay readable.
 */
function pushUnspaced(found: Array<[number, number]>, text: string, start: number, end: number): void {
  while (start < end && isBlankCharacter(text.charCodeAt(start))) start++;
  while (end > start && isBlankCharacter(text.charCodeAt(end - 1))) end--;
  if (end > start) found.push([start, end]);
}

function isBlankCharacter(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/**
 * The runs of characters a secret always becomes in base64 and base64url (an
 * echoed `Authorization: Basic …`, a token that wraps the key), at each of the three
 * byte offsets it may start at: the characters that hold only the secret's bits, not
 * those shared with the bytes around it (so with padding or without, alone or inside a
 * longer blob); and its bytes in hex, lower and upper case (a dump of the request).
 */
function encodedForms(secret: string): string[] {
  const hex = Buffer.from(secret).toString('hex');
  return [...base64Forms(secret), hex, hex.toUpperCase()];
}

function base64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret);
  const forms: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const stable = encoded.slice(Math.ceil((offset * 8) / 6), Math.floor(((offset + bytes.length) * 8) / 6));
    forms.push(stable, stable.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms.filter((form) => form.length >= minSecretLength);
}

/** A line break, or one JSON-escaped (`\n`, `\\r`): where wrapped base64 may break a form. */
const lineBreak = /[\r\n]|\\[rn]/;

/** A character base64 or base64url (or its padding) writes. */
function isBase64Code(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) || code === 0x2b || code === 0x2f || code === 0x2d || code === 0x5f || code === 0x3d;
}

/**
 * The length of the line breaks at `at` (`\r\n`, `\n`, `\r`, each also JSON-escaped at any depth,
 * several in a row); 0 when there is none. Past `to` when what is there is a start of one cut by it.
 */
function lineBreakLength(text: string, at: number, to: number): number {
  let position = at;
  for (;;) {
    const code = text.charCodeAt(position);
    if (position < to && (code === 0x0a || code === 0x0d)) {
      position++;
      continue;
    }
    let after = position;
    while (after < to && text.charCodeAt(after) === 0x5c && after - position < maxEscapeBackslashes) after++;
    if (after > position && after >= to) return to - at + 1;
    if (after > position && (text.charCodeAt(after) === 0x6e || text.charCodeAt(after) === 0x72)) {
      position = after + 1;
      continue;
    }
    return position - at;
  }
}

/**
 * Whether `text` holds a run of at least `length` base64 characters with a line break inside
 * it (a JSON-escaped slash, `\\/`, continues a run): the only place a wrapped form can be. Prose
 * breaks its lines between short words, so most answers with line breaks are passed over here
 * without lineJoinedReading's copy of the text and its index of every character.
 */
function hasWrappedRun(text: string, length: number): boolean {
  let run = 0;
  let broken = false;
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (isBase64Code(code)) {
      if (++run >= length && broken) return true;
      continue;
    }
    if (run > 0) {
      const breakLength = lineBreakLength(text, at, text.length);
      if (breakLength > 0 && breakLength <= text.length - at && continuesBase64(text, at + breakLength)) {
        broken = true;
        at += breakLength - 1;
        continue;
      }
      if (code === 0x5c && continuesBase64(text, at)) continue;
    }
    run = 0;
    broken = false;
  }
  return false;
}

/** Whether a base64 character is at `at`, or a slash JSON-escaped (`\\/`, at any depth). */
function continuesBase64(text: string, at: number): boolean {
  let position = at;
  while (text.charCodeAt(position) === 0x5c) position++;
  const code = text.charCodeAt(position);
  return position === at ? isBase64Code(code) : code === 0x2f;
}

/** `text` with the line breaks between two base64 characters taken out, and where each of its characters is in `text`; undefined when it has none. */
function lineJoinedReading(text: string): { text: string; starts: number[] } | undefined {
  let joined = '';
  const starts: number[] = [];
  let copied = 0;
  let removed = false;
  for (let at = 1; at < text.length; at++) {
    const code = text.charCodeAt(at);
    // A line break (the character first: most are none) after a base64 character.
    if ((code !== 0x0a && code !== 0x0d && code !== 0x5c) || !isBase64Code(text.charCodeAt(at - 1))) continue;
    const length = lineBreakLength(text, at, text.length);
    if (length === 0 || length > text.length - at || !continuesBase64(text, at + length)) continue;
    for (let index = copied; index < at; index++) starts.push(index);
    joined += text.slice(copied, at);
    copied = at + length;
    at = copied;
    removed = true;
  }
  if (!removed) return undefined;
  for (let index = copied; index < text.length; index++) starts.push(index);
  return { text: joined + text.slice(copied), starts };
}

/**
 * Whether the characters of `text` from `at` to `to` are a proper start of `form` (line breaks
 * between them skipped, a line break cut by `to` too): what the next piece of a stream may complete.
 */
function formPrefixRunsTo(text: string, at: number, to: number, form: string): boolean {
  let position = at;
  let index = 0;
  while (position < to) {
    if (index === form.length) return false;
    if (text.charCodeAt(position) === form.charCodeAt(index)) {
      position++;
      index++;
      continue;
    }
    const length = index > 0 ? lineBreakLength(text, position, to) : 0;
    if (length === 0) return false;
    position += length;
  }
  return index > 0 && index < form.length;
}

/** One-off form of {@link SecretRedactor}; compile a SecretRedactor for repeated use. */
export function redactSecrets(text: string, knownSecrets: Iterable<string> = []): string {
  return new SecretRedactor(knownSecrets).redact(text);
}
