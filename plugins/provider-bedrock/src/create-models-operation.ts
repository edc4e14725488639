import type { DirectModelsOperation } from '@switchyard/core';

/**
 * The configured model list. ListFoundationModels is on the control-plane host
 * (`bedrock.{region}.amazonaws.com`), needs other IAM rights and lists models the
 * account may not invoke (nor the inference-profile ids newer models need), so
 * the list is what the config names.
 */
export function createModelsOperation(models: readonly string[]): DirectModelsOperation {
  return { list: () => Promise.resolve(models.map((id) => ({ id, ownedBy: ownerOf(id) }))) };
}

// `us.anthropic.claude-…`, `anthropic.claude-…`, `amazon.titan-…`: the vendor is the first segment after any geography prefix.
function ownerOf(id: string): string {
  const segments = id.split('.');
  const vendor = /^(us|eu|apac|global|us-gov|jp|au|ca)$/.test(segments[0] ?? '') ? segments[1] : segments[0];
  return vendor && segments.length > 1 ? vendor : 'bedrock';
}
