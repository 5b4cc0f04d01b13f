/**
 * ChatGPT's sentinel proof of work (protocol §1.2): find a nonce so that hash(seed + base64(config))
 * is, as hex cut to the difficulty's length, <= the difficulty. Pure functions, and one that
 * yields to the event loop while it searches.
 */
import { createHash, randomUUID } from 'node:crypto';

export type PowVariant = 'fnv' | 'sha3';

/** A browser fingerprint-like array; index 3 carries the nonce and index 9 half of it. */
export type PowConfig = unknown[];

export const POW_MAX_ITERATIONS = 500_000;
const SUCCESS_PREFIX = 'gAAAAAB';
const REQUIREMENTS_PREFIX = 'gAAAAAC';
const FALLBACK_MARK = 'wQ8Lk5FbGpA2NcR9dShT6gYjU7VxZ4D';
const FNV_SUFFIX = '~S';

export interface PowConfigInput {
  userAgent: string;
  now?: Date;
  /** performance.now()-like value, milliseconds since the page "loaded". */
  pageTimeMs?: number;
  uuid?: string;
}

/** Mirrors the values a browser page collects; only [3] and [9] change while solving. */
export function buildPowConfig(input: PowConfigInput): PowConfig {
  const now = input.now ?? new Date();
  const pageTimeMs = input.pageTimeMs ?? 1000 + Math.random() * 4000;
  return [
    3000 + 1080,
    now.toString(),
    4294705152,
    0,
    input.userAgent,
    'https://cdn.oaistatic.com/_next/static/chunks/main-app.js',
    'prod-a1b2c3d4e5f6',
    'en-US',
    'en-US,en',
    0,
    'webdriver−false',
    '_reactListeningabc123',
    'onhashchange',
    pageTimeMs,
    input.uuid ?? randomUUID(),
    '',
    8,
    now.getTime() - pageTimeMs,
  ];
}

const toBase64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

const FNV_OFFSET = 2166136261;

/** FNV-1a's state after `text`, from `hash`: a prefix's state is computed once and continued. */
function fnvContinue(hash: number, text: string): number {
  let state = hash;
  for (let index = 0; index < text.length; index += 1) {
    state ^= text.charCodeAt(index);
    state = Math.imul(state, 16777619) >>> 0;
  }
  return state;
}

/** The murmur-style finaliser over an FNV state: the 32-bit hash. */
function fnvFinal(state: number): number {
  let hash = state;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 2246822507) >>> 0;
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 3266489909) >>> 0;
  hash ^= hash >>> 16;
  return hash >>> 0;
}

const hex8 = (hash: number): string => hash.toString(16).padStart(8, '0');

/** 32-bit FNV-1a over UTF-16 code units, with the murmur-style finaliser, as 8 hex digits. */
export const fnv1aHex = (text: string): string => hex8(fnvFinal(fnvContinue(FNV_OFFSET, text)));

export interface PowAttemptEncoder {
  /** The base64 that every attempt starts with: the whole 3-byte groups before the nonce. */
  prefix: string;
  /** The rest of base64(JSON of the config with `nonce` at [3] and its half at [9]). */
  rest(nonce: number): string;
}

/**
 * The attempts' base64, written without building each attempt's JSON as a string: the JSON's
 * bytes around indexes 3 and 9 are encoded once, and each attempt writes only its digits into
 * one buffer. Base64 encodes 3 bytes as 4 characters, so the whole groups before the nonce are
 * the same for every attempt and encoded once (`prefix`), and so is their share of the hash.
 */
export function powAttemptEncoder(config: PowConfig): PowAttemptEncoder {
  const NONCE = '\u0000nonce\u0000';
  const HALF = '\u0000half\u0000';
  const marked = [...config];
  marked[3] = NONCE;
  marked[9] = HALF;
  const json = JSON.stringify(marked);
  const [head = '', middleAndTail = ''] = json.split(JSON.stringify(NONCE));
  const [middle = '', tail = ''] = middleAndTail.split(JSON.stringify(HALF));
  const headBytes = Buffer.from(head, 'utf8');
  const middleBytes = Buffer.from(middle, 'utf8');
  const tailBytes = Buffer.from(tail, 'utf8');
  const aligned = headBytes.length - (headBytes.length % 3);
  // Two numbers of at most 16 digits (a nonce is a safe integer) between the constant parts.
  const buffer = Buffer.allocUnsafe(headBytes.length + middleBytes.length + tailBytes.length + 32);
  headBytes.copy(buffer, 0);
  return {
    prefix: headBytes.toString('base64', 0, aligned),
    rest(nonce) {
      let at = headBytes.length;
      at += buffer.write(String(nonce), at, 'latin1');
      at += middleBytes.copy(buffer, at);
      at += buffer.write(String(nonce >> 1), at, 'latin1');
      at += tailBytes.copy(buffer, at);
      return buffer.toString('base64', aligned, at);
    },
  };
}

export interface PowSolveInput {
  seed: string;
  difficulty: string;
  config: PowConfig;
  variant: PowVariant;
  maxIterations?: number;
}

export interface PowSolution {
  token: string;
  /** Attempts made; equals maxIterations when none succeeded and the fallback token is returned. */
  iterations: number;
  solved: boolean;
}

/**
 * Whether an attempt (its base64 after the common prefix) is a proof: the hex of its hash, cut
 * to the difficulty's length, sorts at or before the difficulty. The seed and the prefix are
 * hashed once (FNV's state carried on, SHA-3's hash copied). For FNV and a difficulty of at most
 * 8 hex digits the comparison is of numbers, without writing the hash in hex on every attempt.
 */
function proofCheck(input: PowSolveInput, prefix: string): (rest: string) => boolean {
  const difficulty = input.difficulty.toLowerCase();
  const meets = (hex: string): boolean => hex.slice(0, difficulty.length) <= difficulty;
  const start = input.seed + prefix;
  if (input.variant === 'sha3') {
    const hashed = createHash('sha3-512').update(start);
    return (rest) => meets(hashed.copy().update(rest).digest('hex'));
  }
  const state = fnvContinue(FNV_OFFSET, start);
  if (/^[0-9a-f]{1,8}$/.test(difficulty)) {
    const shift = 32 - 4 * difficulty.length;
    const limit = parseInt(difficulty, 16);
    return (rest) => fnvFinal(fnvContinue(state, rest)) >>> shift <= limit;
  }
  return (rest) => meets(hex8(fnvFinal(fnvContinue(state, rest))));
}

/** Searches nonces [from, to) for a proof; undefined when none of them is one. */
function searcher(input: PowSolveInput): (from: number, to: number) => PowSolution | undefined {
  const encoder = powAttemptEncoder(input.config);
  const isProof = proofCheck(input, encoder.prefix);
  return (from, to) => {
    for (let nonce = from; nonce < to; nonce += 1) {
      const rest = encoder.rest(nonce);
      if (isProof(rest)) {
        const token = SUCCESS_PREFIX + encoder.prefix + rest + (input.variant === 'fnv' ? FNV_SUFFIX : '');
        return { token, iterations: nonce + 1, solved: true };
      }
    }
    return undefined;
  };
}

const unsolved = (input: PowSolveInput, iterations: number): PowSolution => ({
  token: powFallbackToken(input.seed),
  iterations,
  solved: false,
});

export function solvePow(input: PowSolveInput): PowSolution {
  const maxIterations = input.maxIterations ?? POW_MAX_ITERATIONS;
  return searcher(input)(0, maxIterations) ?? unsolved(input, maxIterations);
}

/**
 * Nonces tried between two turns of the event loop: a few milliseconds of hashing. A hard
 * difficulty takes up to ~1 s of CPU; done in one piece it would stall every other request.
 */
export const POW_SLICE_ITERATIONS = 2_000;

/**
 * solvePow in slices, yielding to the event loop between them, so other requests keep moving
 * while a hard proof is searched. Throws the signal's reason once it aborts (the client left).
 */
export async function solvePowYielding(
  input: PowSolveInput & { signal: AbortSignal; sliceIterations?: number },
): Promise<PowSolution> {
  const maxIterations = input.maxIterations ?? POW_MAX_ITERATIONS;
  const slice = Math.max(1, input.sliceIterations ?? POW_SLICE_ITERATIONS);
  const search = searcher(input);
  for (let from = 0; from < maxIterations; from += slice) {
    input.signal.throwIfAborted();
    const found = search(from, Math.min(from + slice, maxIterations));
    if (found) return found;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return unsolved(input, maxIterations);
}

export const powFallbackToken = (seed: string): string =>
  SUCCESS_PREFIX + FALLBACK_MARK + toBase64(`"${seed}"`);

/** The `p` sent to chat-requirements: the config with nonce 1, not a solved proof. */
export function requirementsToken(config: PowConfig, variant: PowVariant): string {
  const withNonce = [...config];
  withNonce[3] = 1;
  return REQUIREMENTS_PREFIX + toBase64(JSON.stringify(withNonce)) + (variant === 'fnv' ? FNV_SUFFIX : '');
}
