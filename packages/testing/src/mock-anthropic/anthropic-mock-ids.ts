type IdKind = 'message' | 'toolUse' | 'request';

/**
 * Ids in Anthropic's prefixes, numbered per kind and per mock server so a test can
 * predict them (`msg_mock00000001`, `toolu_mock00000001`, `req_mock00000001`).
 */
export class AnthropicMockIds {
  private readonly counters: Record<IdKind, number> = { message: 0, toolUse: 0, request: 0 };

  message(): string {
    return `msg_mock${this.next('message')}`;
  }

  toolUse(): string {
    return `toolu_mock${this.next('toolUse')}`;
  }

  request(): string {
    return `req_mock${this.next('request')}`;
  }

  reset(): void {
    this.counters.message = 0;
    this.counters.toolUse = 0;
    this.counters.request = 0;
  }

  private next(kind: IdKind): string {
    this.counters[kind] += 1;
    return String(this.counters[kind]).padStart(8, '0');
  }
}
