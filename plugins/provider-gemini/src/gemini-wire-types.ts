/**
 * The parts of Gemini's `generateContent` wire format the adapter reads and writes
 * (v1beta, camelCase as the service answers). Unknown fields are kept open-ended:
 * the API grows faster than these types.
 */

/** One piece of a turn. Exactly one of the data fields is set. */
export interface GeminiPart {
  text?: string;
  /** Marks a text part as the model's thinking (a thought summary). */
  thought?: boolean;
  /** Opaque bytes (base64) a thinking model wants echoed back on the same part. */
  thoughtSignature?: string;
  inlineData?: { mimeType: string; data: string };
  fileData?: { mimeType?: string; fileUri: string };
  functionCall?: { name: string; args?: Record<string, unknown>; id?: string };
  functionResponse?: { name: string; response: Record<string, unknown>; id?: string };
  [field: string]: unknown;
}

/** One turn of the conversation. */
export interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiPart[];
}

/** A function the model may call; `parameters` is Gemini's OpenAPI-subset schema. */
export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
}

export interface GeminiTool {
  functionDeclarations: GeminiFunctionDeclaration[];
}

export interface GeminiToolConfig {
  functionCallingConfig: {
    mode: 'AUTO' | 'ANY' | 'NONE' | 'VALIDATED';
    allowedFunctionNames?: string[];
  };
}

export interface GeminiGenerationConfig {
  temperature?: number;
  topP?: number;
  topK?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  candidateCount?: number;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseMimeType?: string;
  responseSchema?: Record<string, unknown>;
  responseJsonSchema?: Record<string, unknown>;
  thinkingConfig?: { thinkingBudget?: number; includeThoughts?: boolean; thinkingLevel?: string };
  [field: string]: unknown;
}

/** The body of `models/{model}:generateContent` and `:streamGenerateContent`. */
export interface GeminiGenerateContentRequest {
  systemInstruction?: { parts: Array<{ text: string }> };
  contents: GeminiContent[];
  tools?: GeminiTool[];
  toolConfig?: GeminiToolConfig;
  safetySettings?: unknown[];
  generationConfig?: GeminiGenerationConfig;
  [field: string]: unknown;
}

/** Token counts as Gemini reports them; `totalTokenCount` includes thoughts. */
/** Counts as an upstream sent them: numbers when well behaved, anything when not (mapGeminiUsage judges). */
export interface GeminiUsageMetadata {
  promptTokenCount?: unknown;
  candidatesTokenCount?: unknown;
  totalTokenCount?: unknown;
  thoughtsTokenCount?: unknown;
  cachedContentTokenCount?: unknown;
  toolUsePromptTokenCount?: unknown;
  promptTokensDetails?: Array<{ modality?: string; tokenCount?: number }>;
}

export interface GeminiCandidate {
  content?: { parts?: GeminiPart[]; role?: string };
  finishReason?: string;
  index?: number;
  safetyRatings?: unknown[];
  citationMetadata?: unknown;
  groundingMetadata?: unknown;
}

/** A whole answer, and also every event of an `alt=sse` stream. */
export interface GeminiGenerateContentResponse {
  candidates?: GeminiCandidate[];
  promptFeedback?: { blockReason?: string; safetyRatings?: unknown[] };
  usageMetadata?: GeminiUsageMetadata;
  modelVersion?: string;
  responseId?: string;
}

/** google.rpc.Status, Gemini's error envelope. */
export interface GeminiErrorEnvelope {
  error?: {
    code?: unknown;
    message?: unknown;
    status?: unknown;
    details?: unknown;
  };
}
