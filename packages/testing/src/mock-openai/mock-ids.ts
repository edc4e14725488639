type IdKind = 'completion' | 'toolCall' | 'request';

/**
 * Ids in OpenAI's prefixes, numbered per kind and per mock server so a test can
 * predict them (`chatcmpl-mock00000001`, `call_mock00000001`, `req_mock00000001`).
 */
export class MockIds {
  private readonly counters: Record<IdKind, number> = { completion: 0, toolCall: 0, request: 0 };

  completion(): string {
    return `chatcmpl-mock${this.next('completion')}`;
  }

  toolCall(): string {
    return `call_mock${this.next('toolCall')}`;
  }

  request(): string {
    return `req_mock${this.next('request')}`;
  }

  reset(): void {
    this.counters.completion = 0;
    this.counters.toolCall = 0;
    this.counters.request = 0;
  }

  private next(kind: IdKind): string {
    this.counters[kind] += 1;
    return String(this.counters[kind]).padStart(8, '0');
  }
}
