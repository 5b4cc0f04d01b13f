/**
 * A whole streamed reply that arrives in one network chunk (a fast upstream, or a slow reader):
 * the turn's first text must not wait for the rest to be parsed, and the rest goes on joined.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcherRegistry, type DispatcherRegistry } from '../http/dispatchers.js';
import type { ProviderAccount, TurnEvent } from '../types.js';
import { createOpenAiProvider } from './provider.js';

const chunk = (delta: object, finish: string | null = null) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, delta, finish_reason: finish }],
  })}\n\n`;

/** Every frame of the reply in one string, written with one call. */
const WHOLE_REPLY = [
  chunk({ role: 'assistant', content: '' }),
  chunk({ content: 'Hel' }),
  chunk({ content: 'lo' }),
  chunk({ content: ' there' }),
  chunk({ content: '!' }),
  chunk({}, 'stop'),
  'data: [DONE]\n\n',
].join('');

let server: Server;
let registry: DispatcherRegistry;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, {
        'content-type': 'text/event-stream',
        'content-length': Buffer.byteLength(WHOLE_REPLY),
      });
      response.end(WHOLE_REPLY);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  registry = createDispatcherRegistry({ connectTimeoutMs: 2_000 });
});
afterAll(async () => {
  await registry.close();
  await new Promise((resolve) => server.close(resolve));
});

describe('OpenAI-compatible provider, a reply in one network chunk', () => {
  it('sends the first text alone, then the rest of the chunk as one delta', async () => {
    const account: ProviderAccount = {
      name: 'one-chunk',
      kind: 'openai',
      baseUrl,
      secret: 'sk-test',
      dispatcher: registry.get(),
      timeouts: { firstByteMs: 5_000, idleMs: 5_000 },
    };
    const events: TurnEvent[] = [];
    for await (const event of createOpenAiProvider().streamTurn(account, {
      messages: [{ role: 'user', content: 'hi' }],
      model: 'gpt-4o-mini',
      sampling: {},
      signal: AbortSignal.timeout(10_000),
    }))
      events.push(event);
    const deltas = events.flatMap((event) => (event.type === 'delta' ? [event.text] : []));
    expect(deltas).toEqual(['Hel', 'lo there!']);
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
  });
});
