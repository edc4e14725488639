/**
 * Ids numbered per mock server so a test can predict them: response ids in the
 * shape of Gemini's (`mockResp00000001`), request ids for the `x-request-id` header.
 */
export class GeminiMockIds {
  private responses = 0;
  private requests = 0;

  response(): string {
    this.responses += 1;
    return `mockResp${String(this.responses).padStart(8, '0')}`;
  }

  request(): string {
    this.requests += 1;
    return `req_mock${String(this.requests).padStart(8, '0')}`;
  }

  reset(): void {
    this.responses = 0;
    this.requests = 0;
  }
}
