/**
 * The parts of Gemini's `GenerateContentRequest` / `GenerateContentResponse` this
 * ingress reads and writes (https://ai.google.dev/api/generate-content). Field names
 * are the REST API's camelCase.
 */

/** One part of a turn. Exactly one of its data fields is set. */
export interface GeminiPart {
  text?: string;
  /** A text part that is the model's thinking (`includeThoughts`). */
  thought?: boolean;
  inlineData?: { mimeType: string; data: string };
  fileData?: { mimeType?: string; fileUri: string };
  functionCall?: { id?: string; name: string; args?: Record<string, unknown> };
  functionResponse?: { id?: string; name: string; response: Record<string, unknown> };
  /** Opaque; echoed back by clients of thinking models. */
  thoughtSignature?: string;
}

export interface GeminiContent {
  role?: 'user' | 'model';
  parts: GeminiPart[];
}

export interface GeminiCandidate {
  content: GeminiContent;
  finishReason?: string;
  index: number;
}

export interface GeminiUsageMetadata {
  promptTokenCount: number;
  candidatesTokenCount: number;
  totalTokenCount: number;
  thoughtsTokenCount?: number;
  cachedContentTokenCount?: number;
}

export interface GeminiResponse {
  candidates: GeminiCandidate[];
  usageMetadata?: GeminiUsageMetadata;
  modelVersion: string;
  responseId: string;
}

/** The google.rpc.Status envelope every Gemini error comes in. */
export interface GeminiErrorBody {
  error: {
    code: number;
    message: string;
    status: string;
    details: Array<Record<string, unknown>>;
  };
}
