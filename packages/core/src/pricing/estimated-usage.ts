/**
 * The usages (chat or embeddings) the gateway made from its own estimate because an
 * answer's count was missing or unreadable (withBillableUsage, withBillableEmbeddingsUsage),
 * so the request's record can say so (RequestRecord.usageEstimated). A set beside the
 * usage, not a field on it: the Usage type is the plugins' too, and an answer with
 * counts pays nothing.
 */
const estimatedUsages = new WeakSet<object>();

/** Marks a usage the gateway estimated; returns it. */
export function estimated<Counts extends object>(usage: Counts): Counts {
  estimatedUsages.add(usage);
  return usage;
}

/** Whether a usage is one the gateway estimated. */
export function isEstimatedUsage(usage: object | undefined): boolean {
  return usage !== undefined && estimatedUsages.has(usage);
}
