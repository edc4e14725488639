import { MockIds } from '../mock-openai/mock-ids.js';

/**
 * Ids in Mistral's forms, numbered per mock server so a test can predict them:
 * completions are 32 hex digits (`00000000000000000000000000000001`), tool calls
 * exactly 9 alphanumerics (`mk0000001`), as Mistral requires them back.
 */
export class MistralMockIds extends MockIds {
  private completions = 0;
  private toolCalls = 0;

  override completion(): string {
    this.completions += 1;
    return this.completions.toString(16).padStart(32, '0');
  }

  override toolCall(): string {
    this.toolCalls += 1;
    return `mk${String(this.toolCalls).padStart(7, '0')}`;
  }

  override reset(): void {
    super.reset();
    this.completions = 0;
    this.toolCalls = 0;
  }
}
