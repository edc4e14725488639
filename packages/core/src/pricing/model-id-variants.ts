// Bedrock cross-region inference profiles prefix the model id with a geography.
const bedrockProfilePrefix = /^(?:global|us|us-gov|eu|apac|jp|au|ca)\./;
// OpenAI snapshots end in `-2024-08-06`, Anthropic ones in `-20250929`.
const dateSuffix = /-(?:\d{4}-\d{2}-\d{2}|\d{8})$/;
const latestSuffix = /-latest$/;
// Gemini takes a model as its resource name too (`models/gemini-2.5-pro`), and calls it as it is.
const geminiResourcePrefix = /^models\//;

/**
 * The ids a price may be listed under for a model id as a provider or client spells
 * it, most specific first: the id itself, then without a Bedrock inference-profile
 * prefix or a Gemini `models/` resource prefix, a snapshot date or a `-latest` suffix.
 * `claude-sonnet-4-5-20250929` finds the price of `claude-sonnet-4-5`;
 * `us.anthropic.claude-…-v1:0` the one of `anthropic.claude-…-v1:0`;
 * `models/gemini-2.5-pro` the one of `gemini-2.5-pro` (unpriced, it cost 0).
 */
export function modelIdVariants(model: string): string[] {
  const variants = [model];
  const add = (variant: string) => {
    if (variant.length > 0 && !variants.includes(variant)) variants.push(variant);
  };
  const withoutPrefix = model.replace(bedrockProfilePrefix, '').replace(geminiResourcePrefix, '');
  add(withoutPrefix);
  for (const base of [model, withoutPrefix]) {
    add(base.replace(dateSuffix, ''));
    add(base.replace(latestSuffix, ''));
  }
  return variants;
}
