import { decodeReferences } from './html-references.js';
import { blankKeyRests, mayHoldKeyShaped, minQuotedPartLength, minSecretLength, SecretRedactor } from './redact-secrets.js';

const redactor = new SecretRedactor();

/**
 * A run of letters and digits as long as a random key's (an Azure key is 32 hex digits,
 * a Switchyard key 43 base62 characters); no model id has one. Blanked when it mixes
 * letters and digits, as a random key's run all but surely does: `mmm…` is a name.
 */
const longRun = /[A-Za-z0-9]{32,}/g;
const digit = /[0-9]/;
const letter = /[A-Za-z]/;

/** A long random run, found without the `g` flag's state. */
const holdsLongRandomRun = /[A-Za-z0-9]{32}/;

/** What one running gateway registered (registerModelNameSecrets). */
interface Registration {
  secrets: readonly string[];
  names: readonly string[];
}

const registrations = new Set<Registration>();

/**
 * The running gateways' credentials (providers' configured secrets, keys listed in a step's options, the master key, the metrics token), which
 * have no known prefix to be found by: undefined while none is registered, so the check costs nothing.
 */
let known: { redactor: SecretRedactor; needles: readonly string[] } | undefined;

/** Configured model names, each checked once to need no blanking: the common name is let through with one lookup. */
let cleanNames: ReadonlySet<string> = new Set();

/**
 * Registers a running gateway's credentials, so a model name holding one is blanked
 * whatever its shape (a Bedrock secret key, a master key set by hand), and its configured
 * model names (aliases, `provider/model` targets and their model ids), which need no check.
 * Returns the release, for the gateway's close: the registry is per process, as
 * redactModelName is called with no gateway at hand.
 */
export function registerModelNameSecrets(secrets: Iterable<string | undefined>, names: Iterable<string>): () => void {
  const registration: Registration = { secrets: [...secrets].filter((secret): secret is string => typeof secret === 'string'), names: [...names] };
  registrations.add(registration);
  rebuild();
  return () => {
    if (registrations.delete(registration)) rebuild();
  };
}

function rebuild(): void {
  const secrets = [...new Set([...registrations].flatMap((registration) => registration.secrets))].filter((secret) => secret.length >= minSecretLength);
  // A name holding a secret whole, or a start or an end of it as long as redactKnown blanks, holds one of these.
  const needles = new Set(secrets.flatMap((secret) => (secret.length <= minQuotedPartLength ? [secret] : [secret.slice(0, minQuotedPartLength), secret.slice(-minQuotedPartLength)])));
  known = secrets.length > 0 ? { redactor: new SecretRedactor(secrets), needles: [...needles] } : undefined;
  // Checked with the credentials just registered: a configured name that holds one (or a key) is never let through.
  const clean = new Set<string>();
  for (const name of new Set([...registrations].flatMap((registration) => registration.names))) {
    if (blank(name) === name) clean.add(name);
  }
  cleanNames = clean;
}

/**
 * A client's model name as the gateway writes it where others read it: log lines, the
 * ledger (`requested_model`), response headers, spans and metric labels. A client that
 * pasted a key into `model` must not have it written there: a key-shaped part (`sy-…`,
 * `sk-…`, `AIza…`, `AKIA…`, a URL's password), a run of 32 or more letters and digits
 * (both), or a credential a running gateway holds (registerModelNameSecrets) as written,
 * whole or a start or an end of 12 or more characters, becomes `[REDACTED]`. A configured
 * name, or one with none of these (no model id in the price catalog has one), comes back
 * as it is, with no allocation. The name's length was bounded by the ingress.
 */
export function redactModelName(name: string): string {
  return cleanNames.has(name) ? name : blank(name);
}

/**
 * Whether a client's text that should hold no credential (an id it sends) holds a key-shaped
 * part or a credential a running gateway holds, as redactModelName would blank it; a long run
 * of letters and digits alone (a hex id) does not count.
 */
export function holdsCredential(text: string): boolean {
  if (known !== undefined && holdsNeedle(text, known.needles) && known.redactor.redactKnown(text) !== text) return true;
  return mayHoldKeyShaped.test(text) && redactor.redact(text) !== text;
}

function blank(name: string): string {
  // A name spelling a credential with character references (`&#115;k-…`) is read as a client showing it as HTML would.
  const decoded = name.includes('&') ? decodeReferences(name) : undefined;
  if (decoded) return blankDecoded(name, decoded.text);
  // A key that begins as a configured one does (`sk-ant-api03-`) loses that start here: its rest goes with it.
  const named = known !== undefined && holdsNeedle(name, known.needles) ? blankKeyRests(known.redactor.redactKnown(name)) : name;
  // Three quick looks (~0.1 µs in all): one expression of them all took 0.5 µs a name.
  if (!mayHoldKeyShaped.test(named) && !holdsLongRandomRun.test(named) && !named.includes('://')) return named;
  return blankLongRandomRuns(redactor.redact(named));
}

/**
 * A name holding character references, blanked as its decoded reading is (references decoded until
 * none is left: each reading is shorter), and then written decoded; as it came when it needs no blank.
 */
function blankDecoded(name: string, decoded: string): string {
  const blanked = blank(decoded);
  return blanked === decoded ? name : blanked;
}

/**
 * `text` with each run of 32 or more letters and digits that mixes both blanked: a key of no
 * known prefix (an Azure, Mistral or Cohere key) pasted where a name goes. A name is no such run.
 */
export function blankLongRandomRuns(text: string): string {
  return text.replace(longRun, (run) => (digit.test(run) && letter.test(run) ? '[REDACTED]' : run));
}

function holdsNeedle(name: string, needles: readonly string[]): boolean {
  for (const needle of needles) if (name.includes(needle)) return true;
  return false;
}
