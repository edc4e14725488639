import type { StreamPart } from '@switchyard/core';
import { decodeSseText, readFixture } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import { createGeminiStreamDecoder } from '../src/index.js';

/**
 * Gemini's stream has no end marker, so the body is read to its end: a chunk after the
 * one carrying the candidate's finishReason was delivered as more of the answer (text
 * after the finish, a second tool call). Its usageMetadata, a running total, still counts.
 */
const late = (text: string, outputTokens: number) =>
  `data: ${JSON.stringify({
    candidates: [{ content: { parts: [{ text }, { functionCall: { name: 'late_call', args: {} } }], role: 'model' }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 83, candidatesTokenCount: outputTokens, totalTokenCount: 83 + outputTokens, thoughtsTokenCount: 54 },
    modelVersion: 'gemini-2.5-flash',
  })}\n\n`;

describe('a Gemini stream chunk after the candidate finished', () => {
  it('has its content ignored and its usage read', async () => {
    const fixture = readFixture('gemini', 'stream.txt');
    const plain = await decodeSseText(createGeminiStreamDecoder('gemini'), fixture);
    const parts: StreamPart[] = await decodeSseText(createGeminiStreamDecoder('gemini'), `${fixture.trimEnd()}\n\n${late(' and more after the end', 40)}`);

    // Without the usage parts and the stream-start's clock reading.
    const content = (list: StreamPart[]) => list.filter((part) => part.type !== 'usage').map((part) => (part.type === 'stream-start' ? { ...part, created: 0 } : part));
    expect(content(parts)).toEqual(content(plain));
    expect(parts.filter((part) => part.type === 'finish')).toHaveLength(1);
    expect(JSON.stringify(parts)).not.toContain('after the end');
    expect(JSON.stringify(parts)).not.toContain('late_call');
    // The last usage is the late chunk's running total: 40 candidates + 54 thoughts.
    expect(parts.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 83, outputTokens: 94, reasoningTokens: 54 } });
  });

  it('a prompt block arriving after the finish does not turn the answer into an error', async () => {
    const fixture = readFixture('gemini', 'stream.txt');
    const blocked = `data: ${JSON.stringify({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 83, totalTokenCount: 83 } })}\n\n`;
    const parts = await decodeSseText(createGeminiStreamDecoder('gemini'), `${fixture.trimEnd()}\n\n${blocked}`);
    expect(parts.filter((part) => part.type === 'finish')).toHaveLength(1);
  });
});
