/**
 * Ids in OpenAI's prefixes, numbered per mock server so a test can predict them
 * (`chatcmpl-mock00000001`, `call_mock00000002`, …).
 */
export class MockIds {
  private next = 0;

  completion(): string {
    return `chatcmpl-mock${this.number()}`;
  }

  toolCall(): string {
    return `call_mock${this.number()}`;
  }

  request(): string {
    return `req_mock${this.number()}`;
  }

  reset(): void {
    this.next = 0;
  }

  private number(): string {
    this.next += 1;
    return String(this.next).padStart(8, '0');
  }
}
