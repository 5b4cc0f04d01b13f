import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestStorage, type TestStorage } from '../../test/helpers/engines.js';
import { AppError } from '../errors.js';
import type { Store } from '../store/index.js';
import { createUserService, type UserService } from './service.js';

// One service on a fresh SQLite store per test, with a clock the tests move by hand.
let storage: TestStorage;
let store: Store;
let users: UserService;
let now = 1_000_000;

beforeEach(async () => {
  storage = await createTestStorage('sqlite');
  store = await storage.open();
  now = 1_000_000;
  users = createUserService({
    store,
    adminApiKey: 'admin-key-for-service-tests-0123456789',
    clock: () => now,
  });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await store.close();
  await storage.cleanup();
});

describe('authentication', () => {
  it('tells the admin key from cached user keys, in either order', async () => {
    const admin = 'admin-key-for-service-tests-0123456789';
    const { apiKey } = await users.addUser({ userId: 'ann', username: 'Ann', plus: false }, null);
    expect(await users.authenticate(admin)).toMatchObject({ userId: 'admin', admin: true });
    expect(await users.authenticate(apiKey)).toMatchObject({ userId: 'ann', admin: false });
    // Both again, the user's from the cache now: the admin key must not be answered from it.
    expect(await users.authenticate(admin)).toMatchObject({ userId: 'admin', admin: true });
    expect(await users.authenticate(apiKey)).toMatchObject({ userId: 'ann', admin: false });
    expect(await users.authenticate(admin.slice(0, -1))).toBeUndefined();
  });

  it('answers a key known without a query at once, without a promise, until the cache lets it go', async () => {
    const admin = 'admin-key-for-service-tests-0123456789';
    const { apiKey } = await users.addUser({ userId: 'bo', username: 'Bo', plus: false }, null);
    expect(users.authenticate(admin)).toMatchObject({ userId: 'admin', admin: true });
    const first = users.authenticate(apiKey); // not looked up yet: a query, so a promise
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toMatchObject({ userId: 'bo' });
    expect(users.authenticate(apiKey)).toMatchObject({ userId: 'bo', admin: false });
    expect(users.authenticate('cas_unknown')).toBeInstanceOf(Promise);
    expect(await users.authenticate('cas_unknown')).toBeUndefined();
    expect(users.authenticate('')).toBeUndefined();
    now += 500; // the cache's half second
    expect(users.authenticate(apiKey)).toBeInstanceOf(Promise);
  });
});

describe('user keys with an expiry', () => {
  const refusal = async (key: string): Promise<unknown> => {
    try {
      return await users.authenticate(key);
    } catch (error) {
      return error;
    }
  };

  it('works until its expiry, then is refused with 401 key_expired, even from the cache', async () => {
    const { apiKey, user } = await users.addUser(
      { userId: 'kim', username: 'Kim', plus: false, keyExpiresAt: now + 100 },
      null,
    );
    expect(user.key_expires_at).toBe(new Date(now + 100).toISOString());
    expect(await users.authenticate(apiKey)).toMatchObject({ userId: 'kim' });
    now += 99; // still cached from the call above: the cache must not outlive the key
    expect(await users.authenticate(apiKey)).toMatchObject({ userId: 'kim' });
    now += 1;
    const error = await refusal(apiKey);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ status: 401, code: 'key_expired' });
    expect(await users.authenticate('cas_unknown')).toBeUndefined();
  });

  it('an admin moves or removes the expiry of the current key; a rotated key has its own', async () => {
    const { apiKey } = await users.addUser(
      { userId: 'lee', username: 'Lee', plus: false, keyExpiresAt: now + 10 },
      null,
    );
    now += 20;
    expect(await refusal(apiKey)).toMatchObject({ code: 'key_expired' });
    const moved = await users.updateUser('lee', { keyExpiresAt: now + 1000 });
    expect(moved.key_expires_at).toBe(new Date(now + 1000).toISOString());
    expect(await users.authenticate(apiKey)).toMatchObject({ userId: 'lee' });
    expect((await users.updateUser('lee', { keyExpiresAt: null })).key_expires_at).toBeNull();
    now += 1_000_000;
    expect(await users.authenticate(apiKey)).toMatchObject({ userId: 'lee' });

    const rotated = await users.rotateKey('lee', { keyExpiresAt: now + 5 });
    expect(rotated.user.key_expires_at).toBe(new Date(now + 5).toISOString());
    expect(await users.authenticate(apiKey)).toBeUndefined();
    now += 5;
    expect(await refusal(rotated.apiKey)).toMatchObject({ code: 'key_expired' });
    const plain = await users.rotateKey('lee');
    expect(plain.user.key_expires_at).toBeNull();
    expect(await users.authenticate(plain.apiKey)).toMatchObject({ userId: 'lee' });
  });
});

describe('acting for users', () => {
  const clientPrincipal = async (userId: string) => {
    const { apiKey } = await users.addUser({ userId, username: userId, plus: false, client: true }, null);
    const principal = await users.authenticate(apiKey);
    if (!principal) throw new Error('no principal');
    return principal;
  };

  it('reads an acted-for user once per half second, and sees a change made here at once', async () => {
    const client = await clientPrincipal('shop');
    const reads = vi.spyOn(store.users, 'findById');
    expect(await users.actAs(client, 'customer-1')).toMatchObject({ userId: 'customer-1' });
    const afterCreate = reads.mock.calls.length;
    expect(await users.actAs(client, 'customer-1')).toMatchObject({ userId: 'customer-1' });
    expect(await users.actAs(client, 'customer-1')).toMatchObject({ userId: 'customer-1' });
    expect(reads.mock.calls.length).toBe(afterCreate); // served from the cache
    now += 500;
    await users.actAs(client, 'customer-1');
    expect(reads.mock.calls.length).toBe(afterCreate + 1);

    await users.updateUser('customer-1', { disabled: true });
    await expect(users.actAs(client, 'customer-1')).rejects.toMatchObject({ status: 401 });
    await users.updateUser('customer-1', { disabled: false, limits: { requests_per_minute: 3 } });
    expect(await users.actAs(client, 'customer-1')).toMatchObject({ limits: { requests_per_minute: 3 } });
  });

  it('does not keep a row that a lookup read while a change was being written', async () => {
    const client = await clientPrincipal('shop');
    await users.actAs(client, 'customer-3');
    const write = store.users.update.bind(store.users);
    vi.spyOn(store.users, 'update').mockImplementation(async (...args) => {
      now += 1_000; // past the cache: the lookup below reads the row before the write
      await users.actAs(client, 'customer-3');
      return write(...args);
    });
    await users.updateUser('customer-3', { disabled: true });
    await expect(users.actAs(client, 'customer-3')).rejects.toMatchObject({ status: 401 });
  });

  it('does not keep a row that a lookup began reading before a change and finished after it', async () => {
    const client = await clientPrincipal('shop');
    await users.actAs(client, 'customer-4');
    now += 1_000; // past the cache
    const read = store.users.findById.bind(store.users);
    let finish: (() => void) | undefined;
    vi.spyOn(store.users, 'findById').mockImplementationOnce(async (id) => {
      const before = await read(id); // the row as it was
      await new Promise<void>((resolve) => (finish = resolve));
      return before;
    });
    const slowLookup = users.actAs(client, 'customer-4');
    await vi.waitFor(() => expect(finish).toBeDefined());
    await users.updateUser('customer-4', { disabled: true });
    finish?.();
    await slowLookup; // it answers with what it read, but must not keep it
    await expect(users.actAs(client, 'customer-4')).rejects.toMatchObject({ status: 401 });
  });

  it("refuses another client's user even when it is cached", async () => {
    const shop = await clientPrincipal('shop');
    const other = await clientPrincipal('other-shop');
    await users.actAs(shop, 'customer-2');
    await expect(users.actAs(other, 'customer-2')).rejects.toMatchObject({
      status: 404,
      code: 'user_not_found',
    });
    expect(await users.actAs(shop, 'customer-2')).toMatchObject({ userId: 'customer-2' });
  });
});
