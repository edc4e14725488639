import type { StreamPart } from '../canonical/stream-part.js';
import type { SecretRedactor } from '../errors/redact-secrets.js';
import type { ServerSentEvent } from '../transport/server-sent-event.js';
import type { PartDecoder } from '../transport/upstream-part-stream.js';

type DeltaPart = Extract<StreamPart, { type: 'text-delta' | 'reasoning-delta' | 'refusal-delta' | 'tool-call-delta' }>;

/** The tail of one text held back: the start of a known secret (or of a quoted end of one) the next delta may complete. */
interface HeldTail {
  part: DeltaPart;
  text: string;
  /** What of the same text went out just before it (SecretRedactor.redactSent). */
  sent: string;
}


/**
 * A translated stream's parts with the provider's known secrets blanked in the text
 * they carry (content, reasoning, refusal, a tool call's arguments), as a whole
 * answer's are: an upstream echoing the headers it got streams the key as content.
 * A key split across deltas is blanked whole: the end of a delta that may be the
 * start of a key, or of a quoted end of one (SecretRedactor.possibleStartAt), is held
 * back, and only it, until the next delta of the same text says whether it was one;
 * anything else that comes first (another text, a finish, the end) lets it go, blanked
 * if it is a long start. The end of what was sent of the text is kept (a few hundred
 * characters at most), so a run of a key begun in an earlier delta is still found.
 * A delta with no possible start at its end goes on as it came, the same part. The
 * words of other parts are blanked too, as the fast path blanks an event it reads: a
 * stream's id, a tool call's id or name, a signature may echo the key as well.
 */
export class SecretScrubbingParts implements PartDecoder<StreamPart> {
  private held: HeldTail | undefined;
  /** The end of the text last sent (SecretRedactor.keptFrom), and a part of that text: a run of a secret begun there is held from the next delta on. */
  private sentPart: DeltaPart | undefined;
  private sentText = '';

  constructor(
    private readonly decoder: PartDecoder<StreamPart>,
    private readonly redactor: SecretRedactor,
  ) {}

  decode(event: ServerSentEvent): StreamPart[] {
    const parts: StreamPart[] = [];
    this.decodeInto(event, parts);
    return parts;
  }

  decodeInto(event: ServerSentEvent, into: StreamPart[]): void {
    const from = into.length;
    let failure: { error: unknown } | undefined;
    try {
      if (this.decoder.decodeInto) this.decoder.decodeInto(event, into);
      else for (const part of this.decoder.decode(event)) into.push(part);
    } catch (error) {
      failure = { error };
    }
    for (let index = from; index < into.length; index++) {
      if (this.held === undefined && this.passesAsItIs(into[index]!)) continue;
      this.scrub(into.splice(index), into);
      break;
    }
    if (failure === undefined) return;
    // An event that cannot be read ends the stream: what came before it (scrubbed, above) and the
    // tail held back for the next delta go out ahead of the error, as the stream keeps them.
    this.release(into);
    throw failure.error;
  }

  end(): StreamPart[] {
    const out: StreamPart[] = [];
    this.scrub(this.decoder.end(), out);
    this.release(out);
    return out;
  }

  isComplete(): boolean {
    return this.decoder.isComplete?.() ?? false;
  }

  /** Whether a part (nothing held) holds no secret and ends in no possible start of one: the usual case, handed on as it is. */
  private passesAsItIs(part: StreamPart): boolean {
    if (!isDelta(part)) return this.blanked(part) === part;
    const sent = this.sentBefore(part);
    const text = sent + textOf(part);
    if (this.redactor.possibleStartAt(text, sent.length, text.length, 0) < text.length) return false;
    if (this.redactor.redactSent(text, sent.length) !== textOf(part)) return false;
    this.remember(part, text, text.length);
    return true;
  }

  private scrub(parts: readonly StreamPart[], out: StreamPart[]): void {
    for (const part of parts) {
      if (!isDelta(part)) {
        this.release(out);
        out.push(this.blanked(part));
        continue;
      }
      if (this.held !== undefined && !sameText(this.held.part, part)) this.release(out);
      const held = this.held;
      this.held = undefined;
      const sent = held ? held.sent : this.sentBefore(part);
      const text = sent + (held ? held.text : '') + textOf(part);
      const at = this.redactor.possibleStartAt(text, sent.length, text.length, 0);
      const said = this.redactor.redactSent(text, sent.length, at);
      this.remember(part, text, at);
      if (at < text.length) this.held = { part, text: text.slice(at), sent: this.sentText };
      if (said !== '') out.push(said === textOf(part) ? part : withText(part, said));
    }
  }

  /** What was sent of the part's text last, when it is the text last sent. */
  private sentBefore(part: DeltaPart): string {
    return this.sentPart !== undefined && sameText(this.sentPart, part) ? this.sentText : '';
  }

  /** The end of `text` up to `at` as what was last sent of the part's text. */
  private remember(part: DeltaPart, text: string, at: number): void {
    this.sentPart = part;
    this.sentText = text.slice(this.redactor.keptFrom(text, at), at);
  }

  /** A part that is not a delta, with its words blanked; the same part when they hold no secret. */
  private blanked(part: StreamPart): StreamPart {
    const redactor = this.redactor;
    switch (part.type) {
      case 'stream-start': {
        const id = redactor.redactKnown(part.id);
        const model = redactor.redactKnown(part.model);
        return id === part.id && model === part.model ? part : { ...part, id, model };
      }
      case 'tool-call-start': {
        const id = redactor.redactKnown(part.id);
        const name = redactor.redactKnown(part.name);
        return id === part.id && name === part.name ? part : { ...part, id, name };
      }
      case 'reasoning-signature': {
        const signature = redactor.redactKnown(part.signature);
        return signature === part.signature ? part : { ...part, signature };
      }
      case 'reasoning-redacted': {
        const data = redactor.redactKnown(part.data);
        return data === part.data ? part : { ...part, data };
      }
      default:
        return part;
    }
  }

  /** The held tail goes on as it is (blanked if it is a long enough start, or the rest of a secret begun before it). */
  private release(out: StreamPart[]): void {
    const held = this.held;
    if (held === undefined) return;
    this.held = undefined;
    const text = held.sent + held.text;
    this.remember(held.part, text, text.length);
    out.push(withText(held.part, this.redactor.redactSent(text, held.sent.length)));
  }
}

function isDelta(part: StreamPart): part is DeltaPart {
  return part.type === 'text-delta' || part.type === 'reasoning-delta' || part.type === 'refusal-delta' || part.type === 'tool-call-delta';
}

function textOf(part: DeltaPart): string {
  return part.type === 'tool-call-delta' ? part.argumentsDelta : part.delta;
}

function withText(part: DeltaPart, text: string): DeltaPart {
  return part.type === 'tool-call-delta' ? { ...part, argumentsDelta: text } : { ...part, delta: text };
}

/** Whether two deltas add to the same text: the same kind, and for a tool call the same call. */
function sameText(held: DeltaPart, part: DeltaPart): boolean {
  if (held.type !== part.type) return false;
  return held.type !== 'tool-call-delta' || held.index === (part as typeof held).index;
}
