import type { Usage } from '../canonical/usage.js';
import type { Attempt, Endpoint } from '../chain/request-context.js';

/** The one event recorded at the end of every request: the source for logs, usage and spend. */
export interface RequestRecord {
  id: string;
  /** The client's own `x-request-id` when it sent a plain one holding no key (as echoed in `x-client-request-id`). */
  clientRequestId?: string | undefined;
  receivedAt: Date;
  endpoint: Endpoint;
  /** The key's stable id, never the key. */
  keyId: string | undefined;
  team: string | undefined;
  project: string | undefined;
  requestedModel: string | undefined;
  provider: string | undefined;
  model: string | undefined;
  stream: boolean;
  status: number;
  errorCode: string | undefined;
  usage: Usage | undefined;
  /** What the call cost in USD at the catalog's prices (0 without usage or a price). */
  costUsd: number;
  /**
   * The usage (and so the cost) holds the gateway's estimate of some counts the provider
   * did not give: a stream cut before its final usage, a prompt the upstream had when the
   * client left before any answer (docs/pricing.md). Absent means false.
   */
  usageEstimated?: boolean;
  /** Answered from the response cache. */
  cacheHit: boolean;
  latencyMs: number;
  firstByteMs: number | undefined;
  attempts: Attempt[];
}
