import type { Usage } from '../../canonical/usage.js';
import type { GatewayError } from '../../errors/gateway-error.js';
import type { PassthroughEvent } from '../../plugin/provider-types.js';
import type { PassthroughStreamEncoder, SseEvent, StreamEncoderOptions } from '../ingress-dialect.js';
import { toOpenAIUsage } from './openai-usage.js';

type Json = Record<string, unknown>;

/**
 * Writes an OpenAI-compatible upstream's own `chat.completion.chunk` events to an
 * OpenAI client (the same-dialect fast path). Each event's data goes out as it
 * came, with two changes the translated path makes too:
 *
 * - `model` reads `provider/model`. The upstream's model string is learned from the
 *   first event (which the tap parsed) and swapped by exact substring: a JSON
 *   string's quotes are escaped, so `"model":"<name>"` with bare quotes can only be
 *   a key and its value. An event where it is not found verbatim (spaces, another
 *   model) is parsed and written again.
 * - usage: the gateway always asks upstream for it; a client that did not ask gets
 *   no usage (a usage-only chunk is dropped, a finishing chunk carrying usage is
 *   written again without it). A client that asked and got none in OpenAI's own
 *   place (Groq's `x_groq.usage`) gets a closing usage chunk, as on the translated path.
 *
 * Only events that carried usage, or whose model was not found verbatim, are parsed here.
 * The tap may have left an event unread (content only: passthrough-tap.ts); then its
 * parts are empty, which changes nothing here.
 */
export class OpenAIPassthroughEncoder implements PassthroughStreamEncoder {
  private readonly modelPrefix: string;
  private readonly includeUsage: boolean;
  private id: string;
  private model: string;
  private created = Math.floor(Date.now() / 1000);
  private modelNeedle: string | undefined;
  private modelReplacement = '';
  private usage: Usage | undefined;
  private usageForwarded = false;

  constructor(options: StreamEncoderOptions) {
    this.id = `chatcmpl-${options.requestId}`;
    this.model = options.model;
    this.modelPrefix = options.modelPrefix;
    this.includeUsage = options.includeUsage;
  }

  encode({ event, parts }: PassthroughEvent): readonly SseEvent[] {
    // `[DONE]` is written by finish(), after the usage chunk a client may still be owed.
    if (!event || event.data === '[DONE]') return [];
    let carriesUsage = false;
    for (const part of parts) {
      if (part.type === 'stream-start') this.learn(part.id, part.model, part.created);
      else if (part.type === 'usage' && !part.partial) {
        this.usage = part.usage;
        carriesUsage = true;
      }
    }
    if (carriesUsage) return this.rewritten(event.data);
    return [this.withModel(event.data)];
  }

  finish(): readonly SseEvent[] {
    if (!this.includeUsage || this.usageForwarded) return ['[DONE]'];
    const chunk = {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [],
      usage: toOpenAIUsage(this.usage ?? { inputTokens: 0, outputTokens: 0 }),
    };
    return [JSON.stringify(chunk), '[DONE]'];
  }

  fail(error: GatewayError): SseEvent {
    return JSON.stringify(error.toBody());
  }

  private learn(id: string, model: string, created: number): void {
    if (id) this.id = id;
    if (created) this.created = created;
    if (!model) return;
    this.model = this.modelPrefix + model;
    this.modelNeedle = `"model":${JSON.stringify(model)}`;
    this.modelReplacement = `"model":${JSON.stringify(this.model)}`;
  }

  private withModel(data: string): string {
    const needle = this.modelNeedle;
    if (needle !== undefined) {
      const at = data.indexOf(needle);
      if (at >= 0) return data.slice(0, at) + this.modelReplacement + data.slice(at + needle.length);
    }
    if (!data.includes('"model"')) return data;
    const chunk = parseObject(data);
    // Only an event the lazy tap left unread can be unreadable here: like any such event, it goes out as it came.
    return chunk ? JSON.stringify(this.renamed(chunk)) : data;
  }

  /** An event that carried usage, written again as the client asked for it. */
  private rewritten(data: string): SseEvent[] {
    const chunk = this.renamed(JSON.parse(data) as Json);
    const topLevel = typeof chunk['usage'] === 'object' && chunk['usage'] !== null;
    if (this.includeUsage) {
      if (topLevel) this.usageForwarded = true;
      return [JSON.stringify(chunk)];
    }
    const choices = chunk['choices'];
    if (!Array.isArray(choices) || choices.length === 0) return [];
    delete chunk['usage'];
    return [JSON.stringify(chunk)];
  }

  private renamed(chunk: Json): Json {
    if (typeof chunk['model'] === 'string' && chunk['model']) chunk['model'] = this.modelPrefix + chunk['model'];
    return chunk;
  }
}

function parseObject(data: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}
