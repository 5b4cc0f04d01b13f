/** /sentinel/chat-requirements (single step) and /prepare + /finalize (two-step), §1.1. */
import { randomBytes } from 'node:crypto';
import { parseJsonObject, readBody, sendJson } from '../http-util.js';
import { PROOF_PREFIX, isRequirementsToken, verifyProofToken } from '../pow-verify.js';
import type { RouteContext } from '../route-context.js';
import type { AccountRecord, SentinelGrant, SimState } from '../state.js';
import { sendDetail } from './errors.js';

const EXPIRE_AFTER_SECONDS = 540;

function newGrant(state: SimState, account: AccountRecord): SentinelGrant {
  return {
    accountKey: account.key,
    seed: String(Math.random()),
    difficulty: state.options.powDifficulty,
    variant: state.options.powVariant,
    expiresAt: Date.now() + EXPIRE_AFTER_SECONDS * 1000,
    proofVerified: false,
  };
}

/**
 * Drops expired grants so a long benchmark run does not grow the maps without end. Every grant
 * lives as long, so a map's insertion order is its expiry order: the oldest go first, and the
 * first live grant ends the pass. (Scanning the whole map on every new token made each sentinel
 * call slower than the last: the simulator, not the server, became the benchmark's bottleneck.)
 */
export function pruneExpired(grants: Map<string, SentinelGrant>, now = Date.now()): void {
  for (const [token, grant] of grants) {
    if (grant.expiresAt >= now) return;
    grants.delete(token);
  }
}

function newSentinelToken(state: SimState, grant: SentinelGrant): string {
  pruneExpired(state.sentinelTokens);
  const token = PROOF_PREFIX + randomBytes(96).toString('base64url');
  state.sentinelTokens.set(token, grant);
  return token;
}

function requirementsPart(grant: SentinelGrant): Record<string, unknown> {
  return {
    proofofwork: { required: true, seed: grant.seed, difficulty: grant.difficulty },
    turnstile: { required: false, dx: null },
    arkose: { required: false, dx: null },
  };
}

const persona = (account: AccountRecord): string => (account.plus ? 'chatgpt-paid' : 'chatgpt-freeaccount');

async function readRequirementsBody(ctx: RouteContext): Promise<Record<string, unknown> | undefined> {
  const body = parseJsonObject(await readBody(ctx.req));
  if (!body || !isRequirementsToken(body.p)) {
    sendDetail(ctx.res, 400, 'Invalid requirements token (p).');
    return undefined;
  }
  return body;
}

export async function handleChatRequirements(ctx: RouteContext, account: AccountRecord): Promise<void> {
  if (!(await readRequirementsBody(ctx))) return;
  const grant = newGrant(ctx.state, account);
  sendJson(ctx.res, 200, {
    persona: persona(account),
    token: newSentinelToken(ctx.state, grant),
    expire_after: EXPIRE_AFTER_SECONDS,
    expire_at: Math.floor(grant.expiresAt / 1000),
    ...requirementsPart(grant),
    force_login: false,
  });
}

export async function handlePrepare(ctx: RouteContext, account: AccountRecord): Promise<void> {
  if (!(await readRequirementsBody(ctx))) return;
  const grant = newGrant(ctx.state, account);
  const prepareToken = randomBytes(32).toString('base64url');
  pruneExpired(ctx.state.prepareTokens);
  ctx.state.prepareTokens.set(prepareToken, grant);
  sendJson(ctx.res, 200, {
    persona: persona(account),
    prepare_token: prepareToken,
    expire_after: EXPIRE_AFTER_SECONDS,
    ...requirementsPart(grant),
  });
}

export async function handleFinalize(ctx: RouteContext, account: AccountRecord): Promise<void> {
  const body = parseJsonObject(await readBody(ctx.req));
  const prepareToken = typeof body?.prepare_token === 'string' ? body.prepare_token : '';
  const grant = ctx.state.prepareTokens.get(prepareToken);
  if (!grant || grant.accountKey !== account.key || grant.expiresAt < Date.now()) {
    sendDetail(ctx.res, 403, 'Invalid or expired prepare token.');
    return;
  }
  const proof = typeof body?.proofofwork === 'string' ? body.proofofwork : undefined;
  const check = verifyProofToken({ token: proof, ...grant });
  if (!check.ok) {
    sendDetail(ctx.res, 403, `Proof of work rejected: ${check.reason}.`);
    return;
  }
  ctx.state.prepareTokens.delete(prepareToken);
  grant.proofVerified = true;
  sendJson(ctx.res, 200, {
    persona: persona(account),
    token: newSentinelToken(ctx.state, grant),
    expire_after: EXPIRE_AFTER_SECONDS,
    expire_at: Math.floor(grant.expiresAt / 1000),
  });
}

/** Checks the sentinel headers of a send; answers 403 and returns false when they are wrong. */
export function checkSendSentinel(ctx: RouteContext, account: AccountRecord): boolean {
  const requirements = ctx.req.headers['openai-sentinel-chat-requirements-token'];
  const grant = typeof requirements === 'string' ? ctx.state.sentinelTokens.get(requirements) : undefined;
  if (!grant || grant.accountKey !== account.key || grant.expiresAt < Date.now()) {
    sendDetail(ctx.res, 403, 'Missing or invalid chat requirements token.');
    return false;
  }
  if (grant.proofVerified) return true;
  const proof = ctx.req.headers['openai-sentinel-proof-token'];
  const check = verifyProofToken({ token: typeof proof === 'string' ? proof : undefined, ...grant });
  if (!check.ok) {
    sendDetail(ctx.res, 403, `Proof of work rejected: ${check.reason}.`);
    return false;
  }
  return true;
}
