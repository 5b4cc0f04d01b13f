/** Routes /backend-api/*: authentication, faults on turn requests, then the endpoint. */
import { randomBytes } from 'node:crypto';
import { readBody, sendJson } from '../http-util.js';
import type { RouteContext } from '../route-context.js';
import { trackReply } from '../sse.js';
import type { AccountRecord } from '../state.js';
import { handleConversationRoute, handleListConversations } from './conversations.js';
import { sendDetail, sendMissingAuth, sendTokenExpired, writeChatgptFault } from './errors.js';
import { handleModels } from './models.js';
import { handleSend } from './send.js';
import { handleChatRequirements, handleFinalize, handlePrepare } from './sentinel.js';

export const BACKEND_PREFIX = '/backend-api';

/** Requests that are part of a turn; pre-response faults hit only these. */
const TURN_PATHS = new Set([
  '/sentinel/chat-requirements',
  '/sentinel/chat-requirements/prepare',
  '/sentinel/chat-requirements/finalize',
  '/f/conversation/prepare',
  '/f/conversation',
  '/conversation',
]);
const SEND_PATHS = new Set(['/f/conversation', '/conversation']);

function authenticate(ctx: RouteContext): AccountRecord | undefined {
  const token = ctx.token;
  if (!token) {
    sendMissingAuth(ctx.res);
    return undefined;
  }
  if (ctx.state.expired.has(token)) {
    sendTokenExpired(ctx.res);
    return undefined;
  }
  return ctx.state.accountForToken(token);
}

async function handleConduitPrepare(ctx: RouteContext, account: AccountRecord): Promise<void> {
  await readBody(ctx.req);
  const conduitToken = randomBytes(32).toString('base64url');
  ctx.state.conduitTokens.set(conduitToken, account.key);
  sendJson(ctx.res, 200, { status: 'ok', conduit_token: conduitToken });
}

export async function routeBackend(ctx: RouteContext): Promise<void> {
  const account = authenticate(ctx);
  if (!account) return;
  const sub = ctx.path.slice(BACKEND_PREFIX.length);
  const method = ctx.req.method ?? 'GET';
  const isTurn = method === 'POST' && TURN_PATHS.has(sub);
  if (isTurn) {
    const fault = ctx.state.faults.takePreResponse(ctx.state.faultKeys(ctx.token ?? '', account));
    if (fault) {
      if (SEND_PATHS.has(sub)) trackReply(ctx.res, ctx.state);
      writeChatgptFault(ctx.res, fault);
      return;
    }
  }
  const sentinelMode = ctx.state.options.sentinel;
  if (method === 'POST') {
    if (sub === '/f/conversation' || sub === '/conversation')
      return handleSend(ctx, account, sub === '/f/conversation');
    if (sub === '/f/conversation/prepare') return handleConduitPrepare(ctx, account);
    if (sub === '/sentinel/chat-requirements' && sentinelMode === 'single')
      return handleChatRequirements(ctx, account);
    if (sub === '/sentinel/chat-requirements/prepare' && sentinelMode === 'two-step')
      return handlePrepare(ctx, account);
    if (sub === '/sentinel/chat-requirements/finalize' && sentinelMode === 'two-step') {
      return handleFinalize(ctx, account);
    }
  }
  if (method === 'GET' && sub === '/models') return handleModels(ctx, account);
  if (method === 'GET' && sub === '/conversations') return handleListConversations(ctx, account);
  if (sub.startsWith('/conversation/')) return handleConversationRoute(ctx, account, method, sub);
  sendDetail(ctx.res, 404, 'Not Found');
}
