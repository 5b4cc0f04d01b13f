import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildPowConfig,
  fnv1aHex,
  powFallbackToken,
  requirementsToken,
  solvePow,
  solvePowYielding,
} from './pow.js';
import type { PowVariant } from './pow.js';

/** Written from protocol §1.2 independently of pow.ts. */
function referenceFnvHex(text: string): string {
  let h = 0x811c9dc5;
  for (const unit of Array.from({ length: text.length }, (_, i) => text.charCodeAt(i))) {
    h = Math.imul(h ^ unit, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0).toString(16).padStart(8, '0');
}

function verifyProof(token: string, seed: string, difficulty: string, variant: PowVariant): unknown[] {
  expect(token.startsWith('gAAAAAB')).toBe(true);
  if (variant === 'fnv') expect(token.endsWith('~S')).toBe(true);
  const encoded = token.slice('gAAAAAB'.length, variant === 'fnv' ? -2 : undefined);
  const hex =
    variant === 'fnv'
      ? referenceFnvHex(seed + encoded)
      : createHash('sha3-512')
          .update(seed + encoded)
          .digest('hex');
  expect(hex.slice(0, difficulty.length) <= difficulty).toBe(true);
  const config = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as unknown[];
  expect(config[9]).toBe((config[3] as number) >> 1);
  return config;
}

const config = buildPowConfig({
  userAgent: 'Mozilla/5.0 test',
  uuid: '00000000-0000-4000-8000-000000000000',
});

describe('proof of work', () => {
  it('matches the reference FNV-1a with finaliser on known strings', () => {
    for (const text of ['', 'a', 'seed-0.123gAAAA', 'é€𝄞'])
      expect(fnv1aHex(text)).toBe(referenceFnvHex(text));
  });

  for (const variant of ['fnv', 'sha3'] as const) {
    it(`solves the ${variant} variant with a token an independent check accepts`, () => {
      for (const seed of ['0.4174251930617927', '0.9', 'seed-with-ünïcode']) {
        const solution = solvePow({ seed, difficulty: '0fffff', config, variant });
        expect(solution.solved).toBe(true);
        expect(solution.iterations).toBeLessThan(500_000);
        const decoded = verifyProof(solution.token, seed, '0fffff', variant);
        expect(decoded[3]).toBe(solution.iterations - 1);
        expect(decoded[4]).toBe('Mozilla/5.0 test');
      }
    });

    it(`solves a harder ${variant} difficulty`, () => {
      const solution = solvePow({ seed: 'hard', difficulty: '00ffff', config, variant });
      expect(solution.iterations).toBeLessThan(500_000);
      verifyProof(solution.token, 'hard', '00ffff', variant);
    });
  }

  it('returns the fallback token when no nonce satisfies the difficulty', () => {
    const seed = '0.5';
    // No 40-bit hash prefix is <= ten zeros within 50 tries (odds about 50 / 2^40).
    const impossible = solvePow({
      seed,
      difficulty: '0000000000',
      config,
      variant: 'sha3',
      maxIterations: 50,
    });
    expect(impossible.solved).toBe(false);
    expect(impossible.iterations).toBe(50);
    expect(impossible.token).toBe(
      `gAAAAABwQ8Lk5FbGpA2NcR9dShT6gYjU7VxZ4D${Buffer.from('"0.5"').toString('base64')}`,
    );
    expect(powFallbackToken(seed)).toBe(impossible.token);
  });

  it('finds, when yielding between slices, the same proof as in one piece', async () => {
    const signal = new AbortController().signal;
    for (const variant of ['fnv', 'sha3'] as const) {
      const whole = solvePow({ seed: 'hard', difficulty: '00ffff', config, variant });
      const sliced = await solvePowYielding({
        seed: 'hard',
        difficulty: '00ffff',
        config,
        variant,
        signal,
        sliceIterations: 7,
      });
      expect(sliced).toEqual(whole);
    }
  });

  it('lets other work run while it searches, and stops when its signal aborts', async () => {
    const controller = new AbortController();
    let ticks = 0;
    const ticker = setInterval(() => {
      ticks += 1;
      if (ticks === 3) controller.abort(new Error('client left'));
    }, 1);
    const search = solvePowYielding({
      seed: 'never',
      difficulty: '0000000000',
      config,
      variant: 'sha3',
      signal: controller.signal,
      maxIterations: 50_000_000,
      sliceIterations: 100,
    });
    await expect(search).rejects.toThrow('client left');
    clearInterval(ticker);
    // The ticks prove the loop ran during the search. The count proves the search stopped at its
    // first slice after the abort: no timer tick came between the abort and the rejection.
    expect(ticks).toBe(3);
  });

  it('builds the requirements token with nonce 1 and the variant suffix', () => {
    const fnv = requirementsToken(config, 'fnv');
    expect(fnv.startsWith('gAAAAAC')).toBe(true);
    expect(fnv.endsWith('~S')).toBe(true);
    const decoded = JSON.parse(Buffer.from(fnv.slice(7, -2), 'base64').toString('utf8')) as unknown[];
    expect(decoded[3]).toBe(1);
    expect(decoded).toHaveLength(config.length);
    const sha3 = requirementsToken(config, 'sha3');
    expect(sha3.endsWith('~S')).toBe(false);
    expect(JSON.parse(Buffer.from(sha3.slice(7), 'base64').toString('utf8'))).toEqual(decoded);
  });
});
