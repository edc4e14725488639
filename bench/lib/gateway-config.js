// The gateway's config for the benchmark: one OpenAI provider pointing at the mock
// upstream, and the default chain (auth → route → adapter), logging at info.
import { writeFileSync } from 'node:fs';

export const benchApiKey = 'sy-bench-key-0123456789abcdef';

const yaml = `# Written by bench/run.js; the upstream port comes from the environment.
log: { level: info }
providers:
  upstream:
    use: openai
    api_key: bench-upstream-key-0123456789
    base_url: http://127.0.0.1:\${BENCH_UPSTREAM_PORT}/v1
chain:
  - auth: { keys: [ { name: bench, key: ${benchApiKey} } ] }
  - route
  - adapter
`;

export function writeGatewayConfig(file) {
  writeFileSync(file, yaml);
  return file;
}
