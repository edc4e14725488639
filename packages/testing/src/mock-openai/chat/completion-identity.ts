/** The fields every completion and every chunk of one answer share. */
export interface CompletionIdentity {
  id: string;
  /** Unix seconds. */
  created: number;
  /** The model the client asked for, echoed back. */
  model: string;
}

/** OpenAI sends a backend fingerprint and the tier that served the call; the mock sends fixed ones. */
export const mockSystemFingerprint = 'fp_0d1e2a3b4c';
export const mockServiceTier = 'default';
