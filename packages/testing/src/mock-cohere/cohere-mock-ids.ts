type IdKind = 'response' | 'toolCall' | 'request';

/**
 * Ids shaped like Cohere's, numbered per kind and per mock server so a test can
 * predict them: UUID-like response and request ids, tool call ids `<name>_mock00000001`.
 */
export class CohereMockIds {
  private readonly counters: Record<IdKind, number> = { response: 0, toolCall: 0, request: 0 };

  response(): string {
    return `00000000-0000-4000-8000-${this.next('response').padStart(12, '0')}`;
  }

  toolCall(name: string): string {
    return `${name}_mock${this.next('toolCall').padStart(8, '0')}`;
  }

  request(): string {
    return `00000000-0000-4000-9000-${this.next('request').padStart(12, '0')}`;
  }

  reset(): void {
    this.counters.response = 0;
    this.counters.toolCall = 0;
    this.counters.request = 0;
  }

  private next(kind: IdKind): string {
    this.counters[kind] += 1;
    return String(this.counters[kind]);
  }
}
