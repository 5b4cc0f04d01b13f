import { timingSafeEqual } from 'node:crypto';
import { AppError, forbidden, notFound, unauthorized } from '../errors.js';
import { generateApiKey, hashApiKey, keyLast4 } from '../auth/keys.js';
import type { Store, UserRow } from '../store/index.js';
import { ADMIN_USER_ID, type Principal, type UserLimits } from './principal.js';
import { parseLimits, presentUser, type UserView } from './presenter.js';
import { createShortCache } from '../short-cache.js';

export interface NewUserInput {
  userId: string;
  username: string;
  plus: boolean;
  admin?: boolean;
  client?: boolean;
  limits?: UserLimits;
  /** Import only: keep an existing key (stored hashed) instead of generating one. */
  existingKey?: string;
  /** When the key stops working (epoch ms); absent or null: never. */
  keyExpiresAt?: number | null;
}

export interface UserServiceOptions {
  store: Store;
  adminApiKey: string;
  clock?: () => number;
}

const toPrincipal = (user: UserRow, via: Principal['via']): Principal => ({
  userId: user.id,
  username: user.username,
  plus: user.is_plus === 1,
  admin: user.is_admin === 1,
  client: user.is_client === 1,
  via,
  limits: parseLimits(user.limits),
});

/** An expired key is told apart from a wrong one: its owner needs a new key, not a typo fix. */
const keyExpired = () =>
  new AppError(401, 'key_expired', 'This API key has expired: ask your admin for a new one');

const PRINCIPAL_CACHE_TTL_MS = 500;
const PRINCIPAL_CACHE_MAX = 10_000;

export function createUserService({ store, adminApiKey, clock = Date.now }: UserServiceOptions) {
  const adminKeyHash = Buffer.from(hashApiKey(adminApiKey), 'hex');
  const adminPrincipal: Principal = {
    userId: ADMIN_USER_ID,
    username: 'admin',
    plus: true,
    admin: true,
    client: false,
    via: 'admin_key',
    limits: {},
  };

  /**
   * Known keys → principal for a short time, so a busy key costs no query per request. Any
   * change made here clears it at once; changes made by another process are seen within the
   * TTL. Unknown keys are never cached (they cannot fill it).
   */
  const principals = createShortCache<string, Principal>(PRINCIPAL_CACHE_MAX);
  /** Users a client (or the admin) acts for, by id, cached the same way: a query per call otherwise. */
  const actedFor = createShortCache<string, UserRow>(PRINCIPAL_CACHE_MAX);
  const findActedFor = async (userId: string): Promise<UserRow | undefined> => {
    const now = clock();
    const cached = actedFor.get(userId, now);
    if (cached) return cached;
    const since = actedFor.version();
    const user = await store.users.findById(userId);
    if (user) actedFor.set(userId, user, now + PRINCIPAL_CACHE_TTL_MS, since);
    return user;
  };
  /** A key not cached and not the admin's: looked up (and cached unless unknown). */
  const lookUp = async (keyHash: string, now: number): Promise<Principal | undefined> => {
    const since = principals.version();
    const found = await store.users.findByKeyHash(keyHash);
    if (!found || found.user.disabled === 1) return undefined;
    const keyExpiresAt = found.keyExpiresAt ?? Infinity;
    if (keyExpiresAt <= now) throw keyExpired();
    const principal = toPrincipal(found.user, 'user_key');
    // Never cached past the key's expiry, so an expired key is refused on time.
    principals.set(keyHash, principal, Math.min(now + PRINCIPAL_CACHE_TTL_MS, keyExpiresAt), since);
    return principal;
  };
  /**
   * Runs a change's writes, then empties both caches: after, so a lookup racing the writes cannot
   * keep the old row (one that began before them is dropped by its `version()`).
   */
  const changing = async (write: () => Promise<unknown>): Promise<void> => {
    try {
      await write();
    } finally {
      principals.clear();
      actedFor.clear();
    }
  };

  return {
    /** Creates the built-in admin user row that the admin key acts as. */
    async init(): Promise<void> {
      await store.users.ensure({
        id: ADMIN_USER_ID,
        username: 'admin',
        is_plus: 1,
        is_admin: 1,
        is_client: 0,
        created_by: null,
        created_at: clock(),
        disabled: 0,
        limits: null,
      });
    },

    /**
     * The principal for a key, or undefined for an unknown, revoked or disabled one. A key known
     * without a query (cached, or the admin's) is answered at once, without a promise: nearly
     * every request of a busy key. Callers `await` either.
     */
    authenticate(key: string): Principal | undefined | Promise<Principal | undefined> {
      if (!key || key.length > 512) return undefined;
      const keyHash = hashApiKey(key);
      const now = clock();
      // The cache holds only keys the admin comparison below refused (the admin's own is never
      // cached), so a hit needs no comparison: one native call fewer on nearly every request.
      const cached = principals.get(keyHash, now);
      if (cached) return cached;
      if (timingSafeEqual(Buffer.from(keyHash, 'hex'), adminKeyHash)) return adminPrincipal;
      return lookUp(keyHash, now);
    },

    async requireAdmin(key: string | undefined): Promise<Principal> {
      const principal = key ? await this.authenticate(key) : undefined;
      if (!principal) throw unauthorized(key ? 'Invalid admin key' : 'No admin key specified');
      if (!principal.admin) throw forbidden('Admin access required');
      return principal;
    },

    /** Creates a user and returns the only copy of its key. */
    async addUser(
      input: NewUserInput,
      createdBy: string | null,
    ): Promise<{ user: UserView; apiKey: string }> {
      if (input.userId === ADMIN_USER_ID || (await store.users.findById(input.userId))) {
        throw new AppError(422, 'user_exists', 'User already exists');
      }
      const apiKey = input.existingKey ?? generateApiKey();
      const now = clock();
      const row: UserRow = {
        id: input.userId,
        username: input.username,
        is_plus: input.plus ? 1 : 0,
        is_admin: input.admin ? 1 : 0,
        is_client: input.client ? 1 : 0,
        created_by: createdBy,
        created_at: now,
        disabled: 0,
        limits: input.limits && Object.keys(input.limits).length > 0 ? JSON.stringify(input.limits) : null,
      };
      try {
        await store.users.insertWithKey(row, {
          keyHash: hashApiKey(apiKey),
          last4: keyLast4(apiKey),
          expiresAt: input.keyExpiresAt ?? null,
        });
      } catch (error) {
        // A concurrent insert of the same id or key lost the race: same answer as the check above.
        if (await store.users.findById(input.userId))
          throw new AppError(422, 'user_exists', 'User already exists');
        throw new AppError(422, 'key_exists', 'That API key is already in use', { cause: error });
      }
      const keyExpiresAt = input.keyExpiresAt ?? null;
      return { user: presentUser({ user: row, keyLast4: keyLast4(apiKey), keyExpiresAt }), apiKey };
    },

    /**
     * A client (or admin) acting for one of its users; a client's unknown user is created on
     * first use (the original's HEAD behaviour). Another client's user is refused like a stranger.
     */
    async actAs(actor: Principal, userId: string, username?: string): Promise<Principal> {
      const user = userId === ADMIN_USER_ID ? undefined : await findActedFor(userId);
      if (user) {
        if (!actor.admin && user.created_by !== actor.userId)
          throw notFound('User not found', 'user_not_found');
        if (user.disabled === 1) throw unauthorized('Invalid user specified');
        return toPrincipal(user, 'user_key');
      }
      if (!actor.client) throw notFound('User not found', 'user_not_found');
      const now = clock();
      const row: UserRow = {
        id: userId,
        username: username ?? userId,
        is_plus: 0,
        is_admin: 0,
        is_client: 0,
        created_by: actor.userId,
        created_at: now,
        disabled: 0,
        limits: null,
      };
      try {
        await store.users.insertWithKey(row, null);
      } catch {
        const raced = await store.users.findById(userId);
        if (!raced || raced.created_by !== actor.userId) throw notFound('User not found', 'user_not_found');
        return toPrincipal(raced, 'user_key');
      }
      actedFor.set(userId, row, now + PRINCIPAL_CACHE_TTL_MS);
      return toPrincipal(row, 'user_key');
    },

    async listUsers(options: { createdBy?: string } = {}): Promise<UserView[]> {
      const rows = await store.users.list(options);
      return rows.filter((r) => r.user.id !== ADMIN_USER_ID).map(presentUser);
    },

    async getUser(userId: string): Promise<UserRow> {
      const user = userId === ADMIN_USER_ID ? undefined : await store.users.findById(userId);
      if (!user) throw notFound('User not found', 'user_not_found');
      return user;
    },

    async removeUser(userId: string): Promise<void> {
      await this.getUser(userId);
      await changing(() => store.users.remove(userId));
    },

    /** Revokes the user's key and issues a new one, which expires at `keyExpiresAt` if given. */
    async rotateKey(
      userId: string,
      options: { keyExpiresAt?: number | null } = {},
    ): Promise<{ user: UserView; apiKey: string }> {
      const user = await this.getUser(userId);
      const apiKey = generateApiKey();
      const keyExpiresAt = options.keyExpiresAt ?? null;
      await changing(() =>
        store.users.replaceKey(
          userId,
          { keyHash: hashApiKey(apiKey), last4: keyLast4(apiKey), expiresAt: keyExpiresAt },
          clock(),
        ),
      );
      return { user: presentUser({ user, keyLast4: keyLast4(apiKey), keyExpiresAt }), apiKey };
    },

    async updateUser(
      userId: string,
      changes: {
        username?: string;
        plus?: boolean;
        admin?: boolean;
        client?: boolean;
        disabled?: boolean;
        limits?: UserLimits;
        /** The current key's expiry (epoch ms); null: never. */
        keyExpiresAt?: number | null;
      },
    ): Promise<UserView> {
      await this.getUser(userId);
      await changing(async () => {
        if (changes.keyExpiresAt !== undefined) await store.users.setKeyExpiry(userId, changes.keyExpiresAt);
        await store.users.update(userId, {
          ...(changes.username !== undefined && { username: changes.username }),
          ...(changes.plus !== undefined && { is_plus: changes.plus ? 1 : 0 }),
          ...(changes.admin !== undefined && { is_admin: changes.admin ? 1 : 0 }),
          ...(changes.client !== undefined && { is_client: changes.client ? 1 : 0 }),
          ...(changes.disabled !== undefined && { disabled: changes.disabled ? 1 : 0 }),
          ...(changes.limits !== undefined && { limits: JSON.stringify(changes.limits) }),
        });
      });
      const [found] = await store.users.list({ userId });
      if (!found) throw notFound('User not found', 'user_not_found');
      return presentUser(found);
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
