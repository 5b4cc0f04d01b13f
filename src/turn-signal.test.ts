import { EventEmitter, once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { anySignal, TurnSignal } from './turn-signal.js';

describe('TurnSignal', () => {
  it('calls each abort listener once, with itself as `this`, and keeps the first reason', () => {
    const signal = new TurnSignal();
    const calls: string[] = [];
    const receivers: unknown[] = [];
    const fn = function (this: unknown, event: Event) {
      receivers.push(this);
      calls.push(`fn:${event.type}`);
    };
    signal.addEventListener('abort', fn);
    signal.addEventListener('abort', fn); // the same listener twice is one listener
    signal.addEventListener('abort', { handleEvent: (event) => calls.push(`object:${event.type}`) });
    signal.onabort = () => calls.push('onabort');
    const removed = () => calls.push('removed');
    signal.addEventListener('abort', removed);
    signal.removeEventListener('abort', removed);

    expect(signal.aborted).toBe(false);
    expect(() => signal.throwIfAborted()).not.toThrow();
    const reason = new Error('client disconnected');
    signal.abort(reason);
    signal.abort(new Error('later'));

    expect(calls).toEqual(['onabort', 'fn:abort', 'object:abort']);
    expect(receivers).toHaveLength(1);
    expect(receivers[0]).toBe(signal);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
    expect(() => signal.throwIfAborted()).toThrow(reason);
    signal.addEventListener('abort', () => calls.push('too late'));
    expect(calls).toHaveLength(3);
  });

  it('aborts with an AbortError when given no reason, as AbortController does', () => {
    const signal = new TurnSignal();
    signal.abort();
    expect(signal.reason).toBeInstanceOf(DOMException);
    expect((signal.reason as DOMException).name).toBe('AbortError');
  });

  it('refuses the signal option rather than ignore it', () => {
    const signal = new TurnSignal();
    expect(() =>
      signal.addEventListener('abort', () => {}, { signal: new AbortController().signal }),
    ).toThrow(TypeError);
  });

  it("is taken by Node's own APIs as a signal", async () => {
    const signal = new TurnSignal();
    const waiting = once(new EventEmitter(), 'never', { signal });
    const sleeping = sleep(60_000, undefined, { signal });
    signal.abort(new Error('gone'));
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    await expect(sleeping).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('anySignal', () => {
  it('aborts when a TurnSignal among its signals aborts, with its reason', () => {
    const turn = new TurnSignal();
    const other = new AbortController();
    const any = anySignal([turn, other.signal]);
    expect(any).toBeInstanceOf(AbortSignal);
    expect(any.aborted).toBe(false);
    const reason = new Error('client disconnected');
    turn.abort(reason);
    expect(any.aborted).toBe(true);
    expect(any.reason).toBe(reason);
  });

  it('is aborted at once by a TurnSignal that already was, and still follows real signals', async () => {
    const done = new TurnSignal();
    done.abort(new Error('earlier'));
    expect(anySignal([done, AbortSignal.timeout(60_000)]).reason).toEqual(new Error('earlier'));

    const timed = anySignal([new TurnSignal(), AbortSignal.timeout(5)]);
    await sleep(50);
    expect(timed.aborted).toBe(true);
    expect((timed.reason as DOMException).name).toBe('TimeoutError');
  });
});
