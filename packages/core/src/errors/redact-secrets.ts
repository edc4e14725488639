/**
 * Provider error messages sometimes quote part of the key they rejected
 * ("Incorrect API key provided: sk-proj-****1a2b"). Before any upstream text reaches
 * a client or a log line it goes through here.
 */
const keyLikePatterns: RegExp[] = [
  /\bsk-[A-Za-z0-9_*\-]{6,}/g, // OpenAI, Anthropic (sk-ant-…), DeepSeek
  /\bsy-[A-Za-z0-9_\-]{6,}/g, // our own keys
  /\bAIza[0-9A-Za-z_\-]{10,}/g, // Google
  /\b(?:AKIA|ASIA)[0-9A-Z]{12,}/g, // AWS access key ids
  /\bgsk_[A-Za-z0-9]{10,}/g, // Groq
  /\bxai-[A-Za-z0-9]{10,}/g, // xAI
  /\bBearer\s+[A-Za-z0-9._~+/=\-]{8,}/gi,
];

/** Known secrets shorter than this are not redacted: they would blank ordinary words. */
export const minSecretLength = 6;

/**
 * Backslashes one escape may carry: JSON nested inside a JSON string doubles them
 * per level (1, 3, 7, 15, 31 …). Bounded so a run of backslashes costs linear time.
 */
const maxEscapeBackslashes = 64;

const jsonShortEscapes: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', '\b': 'b', '\f': 'f', '\n': 'n', '\r': 'r', '\t': 't' };

/**
 * Blanks known secrets (the provider's configured credentials) and key-shaped
 * strings in a text. A known secret is found whole and in every JSON spelling of
 * it: any of its characters written as `\uXXXX` (either case of hex), `\/`, `\"`
 * and so on, at any depth of JSON-in-a-JSON-string. Compiled once per set of
 * secrets; `redact` is safe to call on every error and log line.
 */
export class SecretRedactor {
  private readonly known: RegExp | undefined;

  constructor(knownSecrets: Iterable<string> = []) {
    const alternatives = [...new Set(knownSecrets)]
      .filter((secret) => secret.length >= minSecretLength)
      // Longest first, so a secret that contains another is blanked whole.
      .sort((a, b) => b.length - a.length)
      .map(spellingsOf);
    this.known = alternatives.length > 0 ? new RegExp(alternatives.join('|'), 'g') : undefined;
  }

  redact(text: string): string {
    let result = this.known ? text.replace(this.known, '[REDACTED]') : text;
    for (const pattern of keyLikePatterns) result = result.replace(pattern, '[REDACTED]');
    return result;
  }
}

/** A regular expression source matching `secret` with any of its characters JSON-escaped. */
function spellingsOf(secret: string): string {
  let source = '';
  for (let index = 0; index < secret.length; index++) {
    const unit = secret.charCodeAt(index);
    const char = secret[index]!;
    const escape = `\\\\{1,${maxEscapeBackslashes}}`;
    const hex = unit
      .toString(16)
      .padStart(4, '0')
      .split('')
      .map((digit) => (/[a-f]/.test(digit) ? `[${digit}${digit.toUpperCase()}]` : digit))
      .join('');
    const choices = [escapeRegExp(char), `${escape}u${hex}`];
    const short = jsonShortEscapes[char];
    if (short !== undefined) choices.push(`${escape}${escapeRegExp(short)}`);
    source += `(?:${choices.join('|')})`;
  }
  return source;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** One-off form of {@link SecretRedactor}; compile a SecretRedactor for repeated use. */
export function redactSecrets(text: string, knownSecrets: Iterable<string> = []): string {
  return new SecretRedactor(knownSecrets).redact(text);
}
