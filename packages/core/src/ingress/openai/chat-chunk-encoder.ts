import type { StreamPart } from '../../canonical/stream-part.js';
import { emptyUsage, type Usage } from '../../canonical/usage.js';
import { toOpenAIFinishReason } from './openai-finish-reason.js';
import { toOpenAIUsage } from './openai-usage.js';
import type { OpenAIChatChunk } from './openai-wire-types.js';

type ChunkFinishReason = OpenAIChatChunk['choices'][number]['finish_reason'];

/**
 * Writes canonical stream parts as OpenAI `chat.completion.chunk` JSON, one string
 * per SSE `data:` line. Keeps the id, model and created time of the first part and
 * sends `role: assistant` once, as OpenAI does.
 *
 * This runs once per streamed token, so the parts of a chunk that never change
 * (id, object, created, model, and what follows the delta) are serialized once, and
 * per event only the delta's members: no delta object, no serialization of it.
 */
export class ChatChunkEncoder {
  private id: string;
  private model: string;
  private created = Math.floor(Date.now() / 1000);
  private roleSent = false;
  /** Each upstream tool call index and the one the client reads (toolIndex), made on the first call. */
  private toolIndices: Map<number, number> | undefined;
  private usage: Usage | undefined;
  private readonly includeUsage: boolean;
  private readonly billedUsage: (() => Usage | undefined) | undefined;
  private readonly modelPrefix: string;
  private head: string | undefined;
  private readonly tail: string;
  /** What follows the delta's members in every chunk that does not finish. */
  private readonly unfinishedTail: string;

  /**
   * @param options.id used until the upstream names its own response id
   * @param options.model used until the upstream names the model that answers
   * @param options.modelPrefix put before the upstream's model name (`openai/`)
   * @param options.billedUsage what the gateway bills, for the usage chunk (StreamEncoderOptions)
   */
  constructor(options: { id: string; model: string; modelPrefix: string; includeUsage: boolean; billedUsage?: () => Usage | undefined }) {
    this.id = options.id;
    this.model = options.model;
    this.modelPrefix = options.modelPrefix;
    this.includeUsage = options.includeUsage;
    this.billedUsage = options.billedUsage;
    // OpenAI sends `"usage":null` on every chunk only when usage was asked for.
    this.tail = options.includeUsage ? tailWithUsage : tailWithoutUsage;
    this.unfinishedTail = options.includeUsage ? unfinishedTailWithUsage : unfinishedTailWithoutUsage;
  }

  /** Returns the `data:` payloads this part produces (often one, sometimes none). */
  encode(part: StreamPart): string[] {
    switch (part.type) {
      case 'stream-start':
        if (part.id) this.id = part.id;
        // Only whole Unix seconds: a plugin's Infinity or NaN, written into the text, made every chunk unreadable JSON.
        if (isUnixSeconds(part.created)) this.created = part.created;
        if (part.model) this.model = this.modelPrefix + part.model;
        this.head = undefined;
        return [];
      case 'text-delta':
        return [this.chunk(`"content":${JSON.stringify(part.delta)}`)];
      case 'reasoning-delta':
        return [this.chunk(`"reasoning_content":${JSON.stringify(part.delta)}`)];
      case 'refusal-delta':
        return [this.chunk(`"refusal":${JSON.stringify(part.delta)}`)];
      case 'reasoning-signature':
      case 'reasoning-redacted':
        // Chat completions have no field for a thinking signature or encrypted thinking.
        return [];
      case 'tool-call-start': {
        const calls = [{ index: this.toolIndex(part.index), id: part.id, type: 'function', function: { name: part.name, arguments: '' } }];
        return [this.chunk(`"tool_calls":${JSON.stringify(calls)}`)];
      }
      case 'tool-call-delta': {
        const calls = [{ index: this.toolIndex(part.index), function: { arguments: part.argumentsDelta } }];
        return [this.chunk(`"tool_calls":${JSON.stringify(calls)}`)];
      }
      case 'finish':
        return [this.chunk('', toOpenAIFinishReason(part.finishReason))];
      case 'usage':
        this.usage = part.usage;
        return [];
    }
  }

  /**
   * A call's index as the client reads it: the calls numbered 0, 1, 2 … in the order they
   * first appear, as OpenAI numbers them. An upstream's own numbers (a compatible server's
   * 5, 999999999 or a safe integer past 2^32) left a gap before them in the openai SDK's
   * list of calls, and its stream helpers threw (`finalChatCompletion()`: "Cannot read
   * properties of undefined (reading 'type')", after walking a sparse list for 40 s).
   */
  private toolIndex(index: number): number {
    const indices = (this.toolIndices ??= new Map());
    let dense = indices.get(index);
    if (dense === undefined) indices.set(index, (dense = indices.size));
    return dense;
  }

  /** The closing chunks: the usage chunk when the client asked for it. */
  finish(): string[] {
    if (!this.includeUsage) return [];
    const chunk: OpenAIChatChunk = {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [],
      // Without the provider's usage the ledger bills an estimate: the client reads that, not zeros.
      usage: toOpenAIUsage(this.billedUsage?.() ?? this.usage ?? emptyUsage()),
    };
    return [JSON.stringify(chunk)];
  }

  /**
   * One chunk around its delta's members: serialized JSON `"key":value` pairs, in the
   * order `JSON.stringify` of the delta object would write them (role first).
   */
  private chunk(deltaMembers: string, finishReason: ChunkFinishReason = null): string {
    if (!this.roleSent) {
      this.roleSent = true;
      deltaMembers = deltaMembers === '' ? '"role":"assistant"' : `"role":"assistant",${deltaMembers}`;
    }
    this.head ??=
      `{"id":${JSON.stringify(this.id)},"object":"chat.completion.chunk","created":${this.created},` +
      `"model":${JSON.stringify(this.model)},"choices":[{"index":0,"delta":{`;
    const tail = finishReason === null ? this.unfinishedTail : `},"finish_reason":"${finishReason}"${this.tail}`;
    return this.head + deltaMembers + tail;
  }
}

/** A `created` time the chunk JSON can carry: whole seconds after the epoch (else the arrival time stays). */
export const isUnixSeconds = (value: number): boolean => Number.isSafeInteger(value) && value > 0;

const tailWithUsage = '}],"usage":null}';
const tailWithoutUsage = '}]}';
const unfinishedTailWithUsage = `},"finish_reason":null${tailWithUsage}`;
const unfinishedTailWithoutUsage = `},"finish_reason":null${tailWithoutUsage}`;
