// One request per target and mode before measuring: a target that answers errors
// would otherwise produce impressive but meaningless numbers.

export async function preflight(targets, { bodies, apiKey }) {
  for (const target of targets) {
    for (const [mode, body] of Object.entries(bodies)) {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      const problem = checkAnswer(mode, response, text);
      if (problem) {
        throw new Error(`${target.label} gave a bad ${mode} answer (${problem}): HTTP ${response.status}\n${text.slice(0, 1000)}`);
      }
    }
  }
}

function checkAnswer(mode, response, text) {
  if (response.status !== 200) return 'status is not 200';
  if (mode === 'streaming') {
    if (!String(response.headers.get('content-type')).startsWith('text/event-stream')) return 'not text/event-stream';
    // Cache hits may split the deltas differently; the answer's text must still be there.
    if (!text.includes('Paris')) return 'stream lacks the fixture text';
    if (!text.trimEnd().endsWith('data: [DONE]')) return 'stream does not end with [DONE]';
    return undefined;
  }
  try {
    const content = JSON.parse(text).choices?.[0]?.message?.content;
    return typeof content === 'string' && content.includes('Paris') ? undefined : 'no assistant message';
  } catch {
    return 'body is not JSON';
  }
}
