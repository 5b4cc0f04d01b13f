/**
 * Tests that need a system binary (microsocks, postgres, redis-server, chromium) must FAIL in CI
 * (CI=true) when it is missing, and be skipped LOUDLY elsewhere — never silently.
 *
 * Pattern:
 *   describeWithBinary('microsocks', 'dispatchers through socks', () => { ...tests... });
 * or, for a single test inside a larger suite:
 *   const microsocks = findBinary('microsocks');
 *   itWithBinary('microsocks', 'goes through the proxy', async () => { ... });
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { describe, it } from 'vitest';

const EXTRA_DIRS = ['/usr/sbin', '/sbin', '/usr/local/sbin'];

/** Absolute path of an executable found on PATH (or given absolutely), else undefined. */
export function findBinary(name: string): string | undefined {
  const candidates = isAbsolute(name)
    ? [name]
    : [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS].map((dir) =>
        join(dir, name),
      );
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}

export const hasBinary = (name: string): boolean => findBinary(name) !== undefined;

const isCi = (): boolean => process.env.CI === 'true';

const missingMessage = (name: string, title: string): string =>
  `Binary "${name}" is not installed: "${title}" cannot run (install the Debian package providing it).`;

/** describe() when the binary exists; a failing test in CI; a loud skip elsewhere. */
export function describeWithBinary(name: string, title: string, body: () => void): void {
  if (hasBinary(name)) {
    describe(title, body);
  } else if (isCi()) {
    describe(title, () => {
      it(`requires ${name}`, () => {
        throw new Error(missingMessage(name, title));
      });
    });
  } else {
    console.warn(`SKIPPED: ${missingMessage(name, title)}`);
    describe.skip(title, body);
  }
}

/** it() when the binary exists; a failing test in CI; a loud skip elsewhere. */
export function itWithBinary(
  name: string,
  title: string,
  body: () => Promise<void> | void,
  timeout?: number,
): void {
  if (hasBinary(name)) {
    it(title, body, timeout);
  } else if (isCi()) {
    it(title, () => {
      throw new Error(missingMessage(name, title));
    });
  } else {
    console.warn(`SKIPPED: ${missingMessage(name, title)}`);
    it.skip(title, body);
  }
}
