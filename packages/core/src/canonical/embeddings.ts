/** A provider-neutral embeddings request. */
export interface EmbeddingsRequest {
  model: string;
  /** Texts, or pre-tokenized inputs for providers that accept token ids. */
  input: string[] | number[][];
  dimensions?: number;
  user?: string;
}

export interface EmbeddingsResponse {
  model: string;
  /** One vector per input, in input order. */
  embeddings: number[][];
  usage: { inputTokens: number };
}
