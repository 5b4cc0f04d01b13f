/**
 * The `finishing` event: a turn announces that its reply is complete before it waits for its
 * commit, so renderers can send the reply's tail together with the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../test/helpers/stack.js';
import type { Principal } from '../users/principal.js';
import type { ChatEvent, ChatInput } from './types.js';

describe('chat service: finishing', () => {
  let stack: Stack;
  let principal: Principal;

  beforeAll(async () => {
    stack = await startStack({ accounts: [{ name: 'api-1', kind: 'openai' }] });
    const key = await stack.addUser('finisher');
    const found = await stack.server.server.users.authenticate(key);
    if (!found) throw new Error('no principal');
    principal = found;
  });
  afterAll(() => stack.stop());

  const input = (): ChatInput => {
    const controller = new AbortController();
    return {
      principal,
      prompt: 'Say hello',
      tier: 'free',
      model: 'gpt-4o-mini',
      stream: true,
      via: 'v1',
      signal: controller.signal,
      stop: (reason) => controller.abort(reason),
    };
  };

  it('comes after the last text and before the turn is saved; done comes after the save', async () => {
    const { store } = stack.server.server;
    const seen: { type: ChatEvent['type']; status: string | undefined }[] = [];
    let turnId = '';
    for await (const event of stack.server.server.runtime.chat.chat(input())) {
      if (event.type === 'start') turnId = event.turnId;
      // Reads flush the journal, so they would commit the turn early: look at the table itself.
      const row = turnId
        ? await store.db.selectFrom('turns').select('status').where('id', '=', turnId).executeTakeFirst()
        : undefined;
      seen.push({ type: event.type, status: row?.status });
    }
    const types = seen.map((s) => s.type);
    expect(types.filter((t) => t === 'finishing')).toHaveLength(1);
    expect(types.indexOf('finishing')).toBe(types.lastIndexOf('delta') + 1);
    expect(types.at(-1)).toBe('done');
    expect(seen.find((s) => s.type === 'finishing')?.status).not.toBe('complete');
    expect(seen.at(-1)?.status).toBe('complete');
  });

  it('does not come when the upstream breaks off', async () => {
    stack.sim.setFault(stack.secretOf('api-1'), { type: 'reset_mid_stream', afterChunks: 3 }, 1);
    const types: string[] = [];
    await expect(async () => {
      for await (const event of stack.server.server.runtime.chat.chat(input())) types.push(event.type);
    }).rejects.toThrow();
    expect(types).toContain('delta');
    expect(types).not.toContain('finishing');
  });
});
