import { afterEach, expect, it } from 'vitest';
import { createTestStorage, describeEachEngine, type TestStorage } from '../../test/helpers/engines.js';
import type { Store } from '../store/index.js';
import { createStoredSessionStore } from './session.js';

const data = (userId: string) => ({ userId, keyHash: `hash-of-${userId}`, createdAt: 7 });
const MINUTE = 60_000;

describeEachEngine('createStoredSessionStore', (engine) => {
  let storage: TestStorage | undefined;
  const opened: Store[] = [];
  let now = 1_000_000;
  const clock = () => now;

  async function open(): Promise<Store> {
    storage ??= await createTestStorage(engine);
    const store = await storage.open();
    opened.push(store);
    return store;
  }

  const rowCount = async (store: Store): Promise<number> =>
    (await store.db.selectFrom('sessions').select('id').execute()).length;

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    await storage?.cleanup();
    storage = undefined;
    now = 1_000_000;
  });

  it('returns a session until its TTL passes, and not after', async () => {
    const sessions = createStoredSessionStore({ sessions: (await open()).sessions, clock });
    await sessions.set('a', data('alice'), 500);
    await expect(sessions.get('a')).resolves.toEqual(data('alice'));
    now += 499;
    await expect(sessions.get('a')).resolves.toEqual(data('alice'));
    now += 1;
    await expect(sessions.get('a')).resolves.toBeUndefined();
  });

  it('deletes on demand, and replaces a session set again under the same id', async () => {
    const sessions = createStoredSessionStore({ sessions: (await open()).sessions, clock });
    await sessions.set('a', data('alice'), MINUTE);
    await sessions.set('a', data('bob'), MINUTE);
    await expect(sessions.get('a')).resolves.toEqual(data('bob'));
    await sessions.delete('a');
    await expect(sessions.get('a')).resolves.toBeUndefined();
  });

  it('keeps sessions across a restart (a new process on the same database)', async () => {
    const first = await open();
    await createStoredSessionStore({ sessions: first.sessions, clock }).set('a', data('alice'), MINUTE);
    await first.close();
    opened.splice(opened.indexOf(first), 1);
    const sessions = createStoredSessionStore({ sessions: (await open()).sessions, clock });
    await expect(sessions.get('a')).resolves.toEqual(data('alice'));
  });

  it('deletes expired sessions when someone signs in, at most every ten minutes', async () => {
    const store = await open();
    const sessions = createStoredSessionStore({ sessions: store.sessions, clock });
    await sessions.set('short', data('a'), 1000); // the first sign-in sweeps (nothing yet)
    await sessions.set('long', data('b'), 60 * MINUTE);
    now += 2000;
    await sessions.set('other', data('c'), 60 * MINUTE); // within ten minutes: no sweep
    expect(await rowCount(store)).toBe(3);
    now += 10 * MINUTE;
    await sessions.set('later', data('d'), 60 * MINUTE);
    expect(await rowCount(store)).toBe(3); // 'short' is gone
    await expect(sessions.get('long')).resolves.toEqual(data('b'));
  });

  it("keeps a user's newest sessions up to the cap, and ends the oldest at a new sign-in", async () => {
    const store = await open();
    const sessions = createStoredSessionStore({ sessions: store.sessions, clock, maxPerUser: 2 });
    const signIn = (id: string, userId: string, createdAt: number) =>
      sessions.set(id, { userId, keyHash: `hash-of-${userId}`, createdAt }, MINUTE);
    await signIn('a1', 'alice', 1);
    await signIn('b1', 'bob', 2);
    await signIn('a2', 'alice', 3);
    await signIn('a3', 'alice', 4);
    await expect(sessions.get('a1')).resolves.toBeUndefined();
    for (const id of ['a2', 'a3', 'b1']) await expect(sessions.get(id), id).resolves.toBeDefined();
    expect(await rowCount(store)).toBe(3);
  });
});
