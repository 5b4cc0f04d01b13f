import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildPowConfig,
  fnv1aHex,
  powAttemptEncoder,
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

const referenceHex = (variant: PowVariant, text: string): string =>
  variant === 'fnv' ? referenceFnvHex(text) : createHash('sha3-512').update(text).digest('hex');

function verifyProof(token: string, seed: string, difficulty: string, variant: PowVariant): unknown[] {
  expect(token.startsWith('gAAAAAB')).toBe(true);
  if (variant === 'fnv') expect(token.endsWith('~S')).toBe(true);
  const encoded = token.slice('gAAAAAB'.length, variant === 'fnv' ? -2 : undefined);
  const hex = referenceHex(variant, seed + encoded);
  expect(hex.slice(0, difficulty.length) <= difficulty).toBe(true);
  const config = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as unknown[];
  expect(config[9]).toBe((config[3] as number) >> 1);
  return config;
}

const config = buildPowConfig({
  userAgent: 'Mozilla/5.0 test',
  uuid: '00000000-0000-4000-8000-000000000000',
});

/** Base64 of the config's JSON with the nonce at [3] and its half at [9], built the plain way. */
function plainAttempt(powConfig: unknown[], nonce: number): string {
  const withNonce = [...powConfig];
  withNonce[3] = nonce;
  withNonce[9] = nonce >> 1;
  return Buffer.from(JSON.stringify(withNonce), 'utf8').toString('base64');
}

/** The first nonce whose proof meets the difficulty, found the plain way (protocol §1.2). */
function plainSolve(
  seed: string,
  difficulty: string,
  variant: PowVariant,
  limit: number,
): number | undefined {
  for (let nonce = 0; nonce < limit; nonce += 1) {
    const encoded = plainAttempt(config, nonce);
    const hex = referenceHex(variant, seed + encoded);
    if (hex.slice(0, difficulty.length) <= difficulty.toLowerCase()) return nonce;
  }
  return undefined;
}

describe('proof of work', () => {
  it('matches the reference FNV-1a with finaliser on known strings', () => {
    for (const text of ['', 'a', 'seed-0.123gAAAA', 'é€𝄞'])
      expect(fnv1aHex(text)).toBe(referenceFnvHex(text));
  });

  it('encodes every attempt as the plain JSON and base64 would, across digit counts', () => {
    for (const userAgent of ['Mozilla/5.0 test', 'Agent ünïcode 𝄞 with a longer name', 'ab']) {
      const powConfig = buildPowConfig({ userAgent, uuid: '00000000-0000-4000-8000-000000000000' });
      const encoder = powAttemptEncoder(powConfig);
      const nonces = [0, 1, 2, 9, 10, 11, 19, 20, 99, 100, 199, 200, 999, 1000, 1999, 2000, 123_456, 499_999];
      for (const nonce of nonces)
        expect(encoder.prefix + encoder.rest(nonce)).toBe(plainAttempt(powConfig, nonce));
    }
  });

  for (const variant of ['fnv', 'sha3'] as const) {
    it(`finds the same first ${variant} proof as a plain search, for any form of difficulty`, () => {
      // Hex of every length (the FNV hash has 8 digits: a 9-digit difficulty compares its hex
      // with a longer text), upper case, and text that is not hex at all.
      const difficulties = ['0f', '1', '03fff', '0fffff', '00ffffff', '00ffffff0', '0FFF', 'g', '07zz', ''];
      for (const difficulty of difficulties) {
        for (const seed of ['0.4174251930617927', 'seed-with-ünïcode']) {
          const expected = plainSolve(seed, difficulty, variant, 3000);
          const solution = solvePow({ seed, difficulty, config, variant, maxIterations: 3000 });
          expect({ difficulty, seed, nonce: solution.solved ? solution.iterations - 1 : undefined }).toEqual({
            difficulty,
            seed,
            nonce: expected,
          });
        }
      }
    });

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
