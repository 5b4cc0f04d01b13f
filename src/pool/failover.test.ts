/** The failover loop alone, over a pool that does only what each attempt asks of it. */
import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../upstream/types.js';
import type { Provider, ProviderAccount, TurnEvent } from '../upstream/types.js';
import { runTurnWithFailover } from './failover.js';
import type { AccountPool } from './pool.js';
import { chatgptAccount, never } from './test-support.js';
import type { AcquireRequest, Lease, PoolAccountSpec } from './types.js';

/**
 * Hands out the first account the request does not exclude, whatever its health: only the
 * failover loop's exclusions keep a failed account from being tried again in the same turn.
 */
function namedPool(specs: PoolAccountSpec[]) {
  const asked: (string[] | undefined)[] = [];
  const pool = {
    async acquire(request: AcquireRequest): Promise<Lease> {
      asked.push(request.exclude && [...request.exclude]);
      const spec = specs.find((candidate) => !request.exclude?.includes(candidate.name));
      if (!spec) throw new Error('no account left');
      return { id: spec.name, account: spec };
    },
    async release(): Promise<void> {},
  };
  return { pool: pool as unknown as AccountPool, asked };
}

/** Fails before any text on the accounts named, answers on the others. */
function providerFailingOn(failing: string[]): Provider {
  return {
    async *streamTurn(account: ProviderAccount): AsyncGenerator<TurnEvent> {
      if (failing.includes(account.name))
        throw new UpstreamError('upstream_error', 'upstream answered 500', { account: account.name });
      yield { type: 'delta', text: `from ${account.name}` };
      yield { type: 'finish', reason: 'stop' };
    },
  } as unknown as Provider;
}

describe('runTurnWithFailover', () => {
  it('asks for another account after a failure, and never again for the one that failed', async () => {
    const { pool, asked } = namedPool([chatgptAccount('a'), chatgptAccount('b'), chatgptAccount('c')]);
    const select: AcquireRequest = { tier: 'free', userPlus: false, signal: never() };
    const events = [];
    for await (const event of runTurnWithFailover({
      pool,
      providers: { chatgpt: providerFailingOn(['a', 'b']) },
      resolveAccount: async (spec) => ({ name: spec.name, kind: spec.kind }) as ProviderAccount,
      select,
      buildRequest: () => ({}) as never,
    }))
      events.push(event);

    expect(asked).toEqual([undefined, ['a'], ['a', 'b']]);
    expect(events.filter((event) => event.type === 'account').map((event) => event.name)).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(events).toContainEqual({ type: 'delta', text: 'from c' });
    expect(select.exclude).toBeUndefined(); // the caller's selection is left as it was
  });
});
