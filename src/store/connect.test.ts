import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from './connect.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function cacheSizeOf(sqliteCacheMb?: number): unknown {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cas-connect-'));
  dirs.push(dataDir);
  const { sqlite } = connect({ dataDir, sqliteCacheMb });
  try {
    return sqlite?.pragma('cache_size', { simple: true });
  } finally {
    sqlite?.close();
  }
}

describe('connect (SQLite)', () => {
  it("uses SQLite's own 2 MB page cache, not better-sqlite3's 16 MB, unless told otherwise", () => {
    expect(cacheSizeOf()).toBe(-2048); // negative: KiB
    expect(cacheSizeOf(64)).toBe(-64 * 1024);
  });
});
