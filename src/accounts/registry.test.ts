import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AccountConfig } from '../config/types.js';
import { createSecretCipher } from '../pool/cipher.js';
import { openStore, type Store } from '../store/index.js';
import { createAccountRegistry } from './registry.js';

describe('account registry', () => {
  const opened: { dir: string; store: Store }[] = [];
  const open = async (dir = mkdtempSync(path.join(tmpdir(), 'registry-'))) => {
    const store = await openStore({ dataDir: dir });
    opened.push({ dir, store });
    return { dir, store };
  };
  afterEach(async () => {
    for (const { dir, store } of opened.splice(0)) {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps a runtime account with its options and credentials across a restart', async () => {
    const cipher = createSecretCipher('registry-test-secret-0123456789abcdef');
    const first = await open();
    const account: AccountConfig = {
      name: 'rt',
      kind: 'chatgpt',
      plus: true,
      access_token: 'tok-kept-secret',
      max_concurrency: 2,
      weight: 3,
      options: { sendPath: 'conversation', titleFallback: false },
    };
    await (await createAccountRegistry({ store: first.store, accounts: [], cipher })).add(account);
    await first.store.close();
    opened.pop();

    const again = await open(first.dir);
    const registry = await createAccountRegistry({ store: again.store, accounts: [], cipher });
    expect(registry.source('rt')).toBe('runtime');
    expect(registry.get('rt')).toEqual(account);
  });
});
