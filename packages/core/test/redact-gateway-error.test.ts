import { describe, expect, it } from 'vitest';
import { GatewayError, SecretRedactor, createLogger, maxErrorMessageLength, redactGatewayError, toGatewayError } from '../src/index.js';

const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const redactor = new SecretRedactor([secret]);

describe('redactGatewayError', () => {
  it('blanks the secret in the message, the param and every message and stack of the cause chain, keeping code and flags', () => {
    const root = new Error(`socket said ${secret}`);
    const cause = new Error(`wrapped: ${secret.replace('/', '\\/')}`, { cause: root });
    const error = new GatewayError('rate_limit_exceeded', `bedrock: slow down ${secret}`, {
      param: `field ${secret}`,
      provider: 'bedrock',
      upstreamStatus: 429,
      retryAfterSeconds: 3,
      cause,
    });
    const redacted = redactGatewayError(error, redactor);
    expect(redacted).toBeInstanceOf(GatewayError);
    expect(redacted).toMatchObject({ code: 'rate_limit_exceeded', status: 429, retryable: true, provider: 'bedrock', upstreamStatus: 429, retryAfterSeconds: 3 });
    expect(redacted.message).toBe('bedrock: slow down [REDACTED]');
    expect(redacted.param).toBe('field [REDACTED]');
    const chain = [redacted.cause as Error, (redacted.cause as Error).cause as Error];
    expect(chain.map((link) => link.message)).toEqual(['wrapped: [REDACTED]', 'socket said [REDACTED]']);
    for (const link of chain) expect(link.stack).not.toContain('EXAMPLEKEY');
  });

  it('keeps the usage a failed answer was billed; from another copy of core, only in whole counts', () => {
    const billedUsage = { inputTokens: 12, outputTokens: 3 };
    const error = new GatewayError('upstream_invalid_response', 'unreadable', { billedUsage });
    expect(redactGatewayError(error, redactor).billedUsage).toEqual(billedUsage);
    const brand = Symbol.for('switchyard.gateway-error');
    const foreign = (usage: unknown) =>
      Object.assign(Object.create({ [brand]: true }), { code: 'upstream_invalid_response', message: 'x', type: 'server_error', status: 502, retryable: true, billedUsage: usage });
    expect(toGatewayError(foreign(billedUsage)).billedUsage).toEqual(billedUsage);
    for (const bad of [{ inputTokens: -5, outputTokens: 1 }, { inputTokens: 1.5, outputTokens: 1 }, { inputTokens: '9', outputTokens: 1 }, 'lots']) {
      expect(toGatewayError(foreign(bad)).billedUsage).toBeUndefined();
    }
  });

  it('keeps only the position of a JSON parse error, whose message quotes the unreadable text', () => {
    let parseError: unknown;
    try {
      JSON.parse(`[1, ${secret.slice(0, 12)}]`);
    } catch (error) {
      parseError = error;
    }
    const redacted = redactGatewayError(new GatewayError('upstream_invalid_response', 'unreadable', { cause: parseError }), redactor);
    expect((redacted.cause as Error).message).toMatch(/^The text is not valid JSON/);
    expect((redacted.cause as Error).stack).not.toContain(secret.slice(0, 8));
  });

  it('turns anything else a provider threw into an internal_error whose cause is redacted', () => {
    const redacted = redactGatewayError(new TypeError(`cannot read ${secret}`), redactor);
    expect(redacted.code).toBe('internal_error');
    expect((redacted.cause as Error).message).toBe('cannot read [REDACTED]');
  });

  it('bounds a long upstream message, after redacting it so no half secret is left', () => {
    const message = `${'x'.repeat(maxErrorMessageLength - 10)}${secret}`;
    const redacted = redactGatewayError(new GatewayError('upstream_bad_request', message), redactor);
    expect(redacted.message.length).toBeLessThanOrEqual(maxErrorMessageLength);
    expect(redacted.message).not.toContain(secret.slice(0, 6));
  });
});

describe('last lines of defence', () => {
  it('toBody blanks key-shaped strings whoever built the error', () => {
    const body = new GatewayError('upstream_bad_request', 'bad key sk-proj-abcdefghijklmnop', { param: 'AIzaSyA1234567890abcdefgh' }).toBody();
    expect(body.error).toMatchObject({ message: 'bad key [REDACTED]', param: '[REDACTED]' });
  });

  it('the logger blanks key-shaped strings in a logged error', () => {
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (line: string) => void lines.push(line) } });
    logger.error({ err: new Error('failed with sk-ant-api03-abcdefghijklmnop', { cause: new Error('Bearer abcdefghijklmnop') }) }, 'boom');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('[REDACTED]');
    expect(lines[0]).not.toMatch(/sk-ant-api03-abc|Bearer abcdefgh/);
  });
});
