// What secret redaction costs per call with a long configured secret (an AWS STS session
// token is ~1,100 characters) beside a normal API key: the redactor's construction and first
// use, then µs per redaction for the whole token, a quoted start and end of it, its JSON
// \u-escaped and percent-encoded forms, 500 characters of it streamed in pieces (the held-tail
// logic a stream runs per delta) and 100 KB of unrelated text.
//   npm run build --silent && node bench/redaction.js      (~10 seconds)
import { randomBytes } from 'node:crypto';
import { SecretRedactor } from '../packages/core/dist/errors/redact-secrets.js';

// Deterministic enough: the shape matters, not the bytes (base64 of random bytes, as an STS token is).
const token = randomBytes(825).toString('base64').slice(0, 1100);
const apiKey = 'sk-proj-4f9c2a7e1b8d3f6a0c5e9b2d7a1f4c8e';
const prose = 'The quick brown fox jumps over the lazy dog; every request said 42 things. ';
const unrelated = prose.repeat(Math.ceil(100_000 / prose.length)).slice(0, 100_000);

function ms(start) {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

let start = process.hrtime.bigint();
const redactor = new SecretRedactor([token, apiKey]);
console.log(`construct                          ${ms(start).toFixed(1)} ms`);
start = process.hrtime.bigint();
const first = redactor.redact(`upstream said: ${token} is expired`);
console.log(`first redaction holding the token  ${ms(start).toFixed(1)} ms`);
if (first.includes(token.slice(0, 12))) throw new Error('the token was not blanked');

/** A stream's text in pieces through the held-tail logic (as SecretScrubbingParts runs it): what reached the client. */
function streamed(pieces) {
  let sent = '';
  let held = '';
  let out = '';
  for (const piece of pieces) {
    const text = sent + held + piece;
    const at = redactor.possibleStartAt(text, sent.length, text.length, 0);
    out += redactor.redactSent(text, sent.length, at);
    sent = text.slice(redactor.keptFrom(text, at), at);
    held = text.slice(at);
  }
  return out + redactor.redactSent(sent + held, sent.length);
}

const echoed = token.slice(300, 800);
const pieces = [];
for (let at = 0; at < echoed.length; at += 7) pieces.push(echoed.slice(at, at + 7));

const unicodeEscaped = [...token].map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
const cases = [
  ['whole token', () => redactor.redact(`bad token ${token} here`)],
  ['first 40 chars of the token', () => redactor.redact(`token ${token.slice(0, 40)}… rejected`)],
  ['last 40 chars of the token', () => redactor.redact(`token …${token.slice(-40)} rejected`)],
  ['token \\u-escaped', () => redactor.redact(`{"t":"${unicodeEscaped}"}`)],
  ['token percent-encoded', () => redactor.redact(`?X-Amz-Security=${encodeURIComponent(token)}`)],
  ['api key whole', () => redactor.redact(`key ${apiKey} invalid`)],
  [`500 chars of token, ${pieces.length} stream pieces`, () => streamed(pieces)],
  ['100 KB unrelated text', () => redactor.redact(unrelated)],
  ['100 KB unrelated, redactKnown', () => redactor.redactKnown(unrelated)],
  ['short normal text', () => redactor.redact('The model is overloaded, try again later.')],
];

for (const [name, run] of cases) {
  run();
  let rounds = 0;
  const began = process.hrtime.bigint();
  // At least 3 rounds, and about half a second each case.
  while (rounds < 3 || (ms(began) < 500 && rounds < 100_000)) {
    run();
    rounds++;
  }
  console.log(`${name.padEnd(34)} ${((ms(began) * 1000) / rounds).toFixed(1).padStart(10)} µs  (${rounds} rounds)`);
}
