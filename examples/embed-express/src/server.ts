import { createApp } from './create-app.js';

const port = Number(process.env['PORT'] ?? 3000);
const example = await createApp(new Map([['demo-token', { id: 'u1', name: 'Ada', team: 'research' }]]));
const server = example.app.listen(port, '127.0.0.1', () => {
  process.stdout.write(
    `example app on http://127.0.0.1:${port}\n` +
      `  curl http://127.0.0.1:${port}/ai/v1/chat/completions -H 'authorization: Bearer demo-token' ` +
      `-d '{"model":"assistant","messages":[{"role":"user","content":"Hi"}]}'\n` +
      `  curl http://127.0.0.1:${port}/api/summarize -H 'authorization: Bearer sy-demo-summarize-key-0123456789' ` +
      `-H 'content-type: application/json' -d '{"text":"A long report"}'\n`,
  );
});
process.once('SIGTERM', async () => {
  server.close();
  await example.close();
});
