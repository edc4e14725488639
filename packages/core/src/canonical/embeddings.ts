/** A provider-neutral embeddings request. */
export interface EmbeddingsRequest {
  model: string;
  /** Texts, or pre-tokenized inputs for providers that accept token ids. */
  input: string[] | number[][];
  dimensions?: number;
  user?: string;
  /**
   * How the client wants the vectors: `base64` (the OpenAI SDKs' default) lets an
   * adapter whose upstream speaks OpenAI ask for base64 too and hand the strings back
   * in `EmbeddingsResponse.base64Embeddings`, undecoded. Float when absent.
   */
  encodingFormat?: 'float' | 'base64';
}

export interface EmbeddingsResponse {
  model: string;
  /** One vector per input, in input order; empty when `base64Embeddings` holds them instead. */
  embeddings: number[][];
  /**
   * The vectors as the upstream sent them, base64 of little-endian float32, in input
   * order: set only when the client asked for base64 and the upstream answered so,
   * and then `embeddings` is empty. Read both through `embeddingVectors`.
   */
  base64Embeddings?: string[];
  usage: EmbeddingsUsage;
}

export interface EmbeddingsUsage {
  inputTokens: number;
}

/**
 * A provider adapter's reading of an embeddings answer. `usage` is undefined when the
 * upstream sent none (Gemini's batchEmbedContents never does) or one it could not read
 * (readTokenCount): the gateway then bills its estimate of the input, never 0.
 */
export interface UpstreamEmbeddingsResponse extends Omit<EmbeddingsResponse, 'usage'> {
  usage: EmbeddingsUsage | undefined;
}
