/** Deterministic ids, so test output is stable; `reset()` starts them over. */
export class BedrockMockIds {
  private requests = 0;
  private toolUses = 0;

  /** An `x-amzn-RequestId`, UUID-shaped as Bedrock's are. */
  request(): string {
    this.requests += 1;
    return `00000000-0000-4000-8000-${this.requests.toString(16).padStart(12, '0')}`;
  }

  /** A `toolUseId`, shaped like Bedrock's `tooluse_…`. */
  toolUse(): string {
    this.toolUses += 1;
    return `tooluse_mock${this.toolUses.toString().padStart(10, '0')}`;
  }

  reset(): void {
    this.requests = 0;
    this.toolUses = 0;
  }
}
