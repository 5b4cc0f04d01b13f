/** /api/chat when the client leaves mid-stream: the upstream is aborted and the turn cancelled. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { simulatedReply } from '../../../../test/upstream-sim/index.js';
import { startStack, type Stack } from '../../../../test/helpers/stack.js';

const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

describe('/api/chat when the client goes away mid-stream', () => {
  let stack: Stack;
  let key: string;
  beforeAll(async () => {
    stack = await startStack({ accounts: [{ name: 'only' }] });
    key = await stack.addUser('alice');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('aborts the upstream, stores the turn as cancelled and releases the account', async () => {
    stack.sim.setOptions({ chunkDelayMs: 50 });
    const abortedBefore = stack.sim.aborted;
    const controller = new AbortController();
    const res = await request(
      `${stack.url}/api/chat?${q({ user: key, prompt: 'long one', stream: 'true' })}`,
      {
        signal: controller.signal,
      },
    );
    expect(res.statusCode).toBe(200);
    let received = '';
    const reader = res.body[Symbol.asyncIterator]();
    while (!received.includes('event: delta')) {
      const next = (await reader.next()) as IteratorResult<Buffer>;
      if (next.done) throw new Error(`stream ended early: ${received}`);
      received += next.value.toString();
    }
    const start = /event: start\ndata: (.*)\n/.exec(received);
    const conversationId = (JSON.parse(start?.[1] ?? '{}') as { conversation_id: string }).conversation_id;
    controller.abort();
    await reader.return?.().catch(() => undefined);

    await waitUntil(() => stack.sim.aborted > abortedBefore);
    const store = stack.server.server.store;
    await waitUntil(
      async () => (await store.turns.listForConversation(conversationId))[0]?.status === 'cancelled',
    );
    const [turn] = await store.turns.listForConversation(conversationId);
    expect(turn?.reply.length).toBeLessThan(simulatedReply('long one', 0).length);

    stack.sim.setOptions({ chunkDelayMs: 0 });
    const next = await stack.call(`/api/chat?${q({ user: key, prompt: 'after' })}`);
    expect(next.status).toBe(200);
    expect(next.json?.account).toBe('only');
  });
});

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
