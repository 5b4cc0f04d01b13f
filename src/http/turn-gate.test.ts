import { describe, expect, it } from 'vitest';
import type { ChatService } from '../chat/service.js';
import type { ChatEvent, ChatInput } from '../chat/types.js';
import { createTurnGate } from './turn-gate.js';

/** A chat service whose turns wait until released or aborted. */
function fakeChat() {
  const releases: (() => void)[] = [];
  const service = {
    async *chat(input: ChatInput): AsyncGenerator<ChatEvent, void, undefined> {
      yield { type: 'delta', text: 'x' };
      await new Promise<void>((resolve, reject) => {
        releases.push(resolve);
        input.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      });
    },
  } as unknown as ChatService;
  return { service, releaseAll: () => releases.splice(0).forEach((r) => r()) };
}

/** A caller that can abort its own signal, as the routes can: a drain ends the turn through it. */
const input = () => {
  const controller = new AbortController();
  return { signal: controller.signal, stop: (reason: unknown) => controller.abort(reason) } as ChatInput;
};

async function drainAll(events: AsyncGenerator<ChatEvent>): Promise<unknown> {
  try {
    for await (const _ of events);
    return 'done';
  } catch (error) {
    return error;
  }
}

describe('turn gate', () => {
  it('refuses turns past the cap with 503 + Retry-After, and frees the slot when a turn ends', async () => {
    const { service, releaseAll } = fakeChat();
    const gate = createTurnGate({ maxConcurrent: 1 });
    const chat = gate.wrap(service);
    const first = chat.chat(input());
    await first.next();
    expect(gate.inFlight()).toBe(1);
    await expect(chat.chat(input()).next()).rejects.toMatchObject({
      status: 503,
      code: 'overloaded',
      retryAfterSeconds: 5,
    });
    const rest = first.next(); // the turn now waits for its release
    releaseAll();
    await rest;
    expect(await drainAll(first)).toBe('done');
    expect(gate.inFlight()).toBe(0);
  });

  it('counts turns that end in any order, and a drain ends every turn still running', async () => {
    const waiting = new Map<ChatInput, () => void>();
    const service = {
      async *chat(turn: ChatInput): AsyncGenerator<ChatEvent, void, undefined> {
        yield { type: 'delta', text: 'x' };
        await new Promise<void>((resolve, reject) => {
          waiting.set(turn, resolve);
          turn.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
        });
      },
    } as unknown as ChatService;
    const gate = createTurnGate({ maxConcurrent: 3 });
    const chat = gate.wrap(service);
    const finish = async (events: AsyncGenerator<ChatEvent>, turn: ChatInput) => {
      const rest = events.next();
      waiting.get(turn)?.();
      await rest;
      return drainAll(events);
    };
    type Events = AsyncGenerator<ChatEvent>;
    const inputs = [input(), input(), input(), input()] as const;
    const [a, b, c, d] = inputs.map((turn) => chat.chat(turn)) as [Events, Events, Events, Events];
    for (const events of [a, b, c]) await events.next();
    expect(gate.inFlight()).toBe(3);

    expect(await finish(b, inputs[1])).toBe('done'); // the middle one first
    expect(gate.inFlight()).toBe(2);
    await d.next(); // its slot is free again
    expect(gate.inFlight()).toBe(3);
    await expect(chat.chat(input()).next()).rejects.toMatchObject({ code: 'overloaded' });
    expect(await finish(a, inputs[0])).toBe('done');
    expect(gate.inFlight()).toBe(2);

    const ended = [drainAll(c), drainAll(d)];
    expect(await gate.drain(0)).toEqual({ finished: 0, ended: 2 });
    expect(await Promise.all(ended)).toMatchObject([{ code: 'shutting_down' }, { code: 'shutting_down' }]);
    expect(inputs.map((turn) => turn.signal.aborted)).toEqual([false, false, true, true]);
    expect(gate.inFlight()).toBe(0);
  });

  it('drains: waits for running turns up to the grace, then ends the rest through their stop with shutting_down', async () => {
    const { service, releaseAll } = fakeChat();
    const gate = createTurnGate({ maxConcurrent: 10 });
    const chat = gate.wrap(service);
    const finishingInput = input();
    const finishing = chat.chat(finishingInput);
    const stuckInput = input();
    const stuck = chat.chat(stuckInput);
    await finishing.next();
    await stuck.next();
    const finishingResult = (async () => {
      const next = finishing.next();
      releaseAll(); // the first turn finishes within the grace
      await next;
      return drainAll(finishing);
    })();
    const stuckResult = drainAll(stuck);
    const drained = gate.drain(50);
    expect(await finishingResult).toBe('done');
    expect(await stuckResult).toMatchObject({ status: 503, code: 'shutting_down' });
    expect(await drained).toEqual({ finished: 1, ended: 1 });
    expect([finishingInput.signal.aborted, stuckInput.signal.aborted]).toEqual([false, true]);
    await expect(chat.chat(input()).next()).rejects.toMatchObject({ code: 'shutting_down' });
  });
});
