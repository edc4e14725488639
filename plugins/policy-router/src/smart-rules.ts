import { estimateEmbeddingsTokens, estimatePromptTokens, type ChatRequest, type EmbeddingsRequest } from '@switchyard/core';

/** Conditions of a smart-routing rule; all that are set must hold. */
export interface SmartRuleCondition {
  /** The prompt (an embeddings request's input) is estimated at this many tokens or more. */
  min_prompt_tokens?: number;
  /** The prompt is estimated at this many tokens or fewer. */
  max_prompt_tokens?: number;
  /** The request offers tools (true) or none (false). */
  has_tools?: boolean;
  /** A message carries an image (true) or none does (false). */
  has_images?: boolean;
  /** The request asks for JSON output (`json_object` or `json_schema`). */
  json_mode?: boolean;
  /** A request header has exactly this value. */
  header?: { name: string; equals: string };
}

/** One rule: where to send a request that matches `when`; no `when` matches everything. */
export interface SmartRule {
  when?: SmartRuleCondition;
  /** A model name or group. */
  use: string;
}

/** What a rule can look at. */
export interface SmartRequest {
  chat?: ChatRequest;
  /** An embeddings request: its input is what the prompt-size conditions count. */
  embeddings?: EmbeddingsRequest;
  header(name: string): string | undefined;
}

/** The model of the first rule the request matches (the last rule, without `when`, matches all). */
export function chooseSmartModel(rules: readonly SmartRule[], request: SmartRequest): string | undefined {
  let promptTokens: number | undefined;
  const facts = {
    promptTokens: () => (promptTokens ??= promptTokensOf(request)),
  };
  for (const rule of rules) {
    if (!rule.when || matches(rule.when, request, facts)) return rule.use;
  }
  return undefined;
}

function matches(when: SmartRuleCondition, request: SmartRequest, facts: { promptTokens: () => number }): boolean {
  const chat = request.chat;
  if (when.min_prompt_tokens !== undefined && facts.promptTokens() < when.min_prompt_tokens) return false;
  if (when.max_prompt_tokens !== undefined && facts.promptTokens() > when.max_prompt_tokens) return false;
  if (when.has_tools !== undefined && (chat?.tools?.length ?? 0) > 0 !== when.has_tools) return false;
  if (when.has_images !== undefined && hasImages(chat) !== when.has_images) return false;
  if (when.json_mode !== undefined && isJsonMode(chat) !== when.json_mode) return false;
  if (when.header !== undefined && request.header(when.header.name.toLowerCase()) !== when.header.equals) return false;
  return true;
}

function hasImages(chat: ChatRequest | undefined): boolean {
  return (
    chat?.messages.some((message) => typeof message.content !== 'string' && message.content.some((part) => part.type === 'image')) ?? false
  );
}

function isJsonMode(chat: ChatRequest | undefined): boolean {
  const type = chat?.responseFormat?.type;
  return type === 'json' || type === 'json-schema';
}

function promptTokensOf(request: SmartRequest): number {
  if (request.chat) return estimatePromptTokens(request.chat);
  return request.embeddings ? estimateEmbeddingsTokens(request.embeddings) : 0;
}
