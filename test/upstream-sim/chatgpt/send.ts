/** POST /conversation and /f/conversation: validates a turn, stores it and streams the reply. */
import { randomUUID } from 'node:crypto';
import { parseJsonObject, pause, readBody } from '../http-util.js';
import {
  SIM_CUTOFF_MARKER,
  simulatedReply,
  simulatedTitle,
  splitForCutoff,
  splitIntoChunks,
} from '../reply.js';
import type { RouteContext } from '../route-context.js';
import { runSse, trackReply } from '../sse.js';
import type { AccountRecord } from '../state.js';
import type { Conversation } from './conversation-store.js';
import { BUSY_DETAIL, sendDetail } from './errors.js';
import { modelAllowed } from './models.js';
import { checkSendSentinel } from './sentinel.js';
import { cumulativeFrames, deltaFrames, withCitationMarkers } from './stream-frames.js';
import type { ReplyPlan } from './stream-frames.js';

interface TurnOutcome {
  conversation: Conversation;
  plan: ReplyPlan;
}

type Body = Record<string, unknown>;

function userPrompt(body: Body): { id: string; text: string } | undefined {
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return undefined;
  const message = messages[messages.length - 1] as Record<string, unknown> | null;
  const author = message?.author as Record<string, unknown> | undefined;
  const content = message?.content as Record<string, unknown> | undefined;
  const parts = content?.parts;
  if (author?.role !== 'user' || !Array.isArray(parts) || typeof parts[0] !== 'string') return undefined;
  const id = typeof message?.id === 'string' && message.id ? message.id : randomUUID();
  return { id, text: parts.filter((p): p is string => typeof p === 'string').join('\n') };
}

/** Resolves the conversation and parent node of a turn, or answers the error and returns undefined. */
function locateParent(
  ctx: RouteContext,
  account: AccountRecord,
  body: Body,
): { conversation: Conversation; parentId: string } | undefined {
  const parentId = typeof body.parent_message_id === 'string' ? body.parent_message_id : '';
  if (!parentId) {
    sendDetail(ctx.res, 400, 'parent_message_id is required.');
    return undefined;
  }
  if (body.conversation_id === undefined || body.conversation_id === null) {
    if (body.action === 'continue') {
      sendDetail(ctx.res, 400, 'conversation_id is required to continue.');
      return undefined;
    }
    const conversation = ctx.state.conversations.create(account.key, parentId);
    return { conversation, parentId: conversation.currentNode };
  }
  const conversation = ctx.state.conversations.get(String(body.conversation_id), account.key);
  if (!conversation) {
    sendDetail(ctx.res, 404, { code: 'conversation_not_found', message: "Can't load conversation." });
    return undefined;
  }
  const parent = conversation.nodes.get(parentId);
  if (parent?.message?.role !== 'assistant') {
    sendDetail(ctx.res, 400, {
      code: 'invalid_parent_message',
      message: 'Parent message not found in conversation.',
    });
    return undefined;
  }
  return { conversation, parentId };
}

function planNext(
  ctx: RouteContext,
  account: AccountRecord,
  body: Body,
  model: string,
): TurnOutcome | undefined {
  const prompt = userPrompt(body);
  if (!prompt) {
    sendDetail(ctx.res, 400, 'messages must hold one user message with text parts.');
    return undefined;
  }
  const located = locateParent(ctx, account, body);
  if (!located) return undefined;
  const { conversation, parentId } = located;
  const store = ctx.state.conversations;
  const turnIndex = store.assistantTurnsUpTo(conversation, parentId);
  const firstTurn = conversation.title === null;
  const createTime = Date.now() / 1000;
  store.append(conversation, parentId, { id: prompt.id, role: 'user', text: prompt.text, createTime });
  const fullText = simulatedReply(prompt.text, turnIndex);
  const cut = prompt.text.includes(SIM_CUTOFF_MARKER);
  const { first, rest } = cut ? splitForCutoff(fullText) : { first: fullText, rest: '' };
  const assistantId = randomUUID();
  store.append(conversation, prompt.id, {
    id: assistantId,
    role: 'assistant',
    text: first,
    createTime,
    model,
    finishType: cut ? 'max_tokens' : 'stop',
    remainder: cut ? rest : undefined,
  });
  const title = firstTurn ? simulatedTitle(prompt.text) : undefined;
  if (title !== undefined) conversation.title = title;
  return {
    conversation,
    plan: {
      conversationId: conversation.id,
      assistantId,
      parentId: prompt.id,
      model,
      chunks: splitIntoChunks(first, ctx.state.options.replyChunks),
      finishType: cut ? 'max_tokens' : 'stop',
      prompt: prompt.text,
      userMessageId: prompt.id,
      title,
    },
  };
}

function planContinue(
  ctx: RouteContext,
  account: AccountRecord,
  body: Body,
  model: string,
): TurnOutcome | undefined {
  const located = locateParent(ctx, account, body);
  if (!located) return undefined;
  const { conversation, parentId } = located;
  const parent = conversation.nodes.get(parentId)?.message;
  if (!parent?.remainder) {
    sendDetail(ctx.res, 400, 'Nothing to continue: the parent message is complete.');
    return undefined;
  }
  const assistantId = randomUUID();
  const text = parent.remainder;
  parent.remainder = undefined;
  ctx.state.conversations.append(conversation, parentId, {
    id: assistantId,
    role: 'assistant',
    text,
    createTime: Date.now() / 1000,
    model,
    finishType: 'stop',
    continuation: true,
  });
  return {
    conversation,
    plan: {
      conversationId: conversation.id,
      assistantId,
      parentId,
      model,
      chunks: splitIntoChunks(text, ctx.state.options.replyChunks),
      finishType: 'stop',
    },
  };
}

/** Runs after auth and faults were checked. */
export async function handleSend(
  ctx: RouteContext,
  account: AccountRecord,
  viaConduitPath: boolean,
): Promise<void> {
  const { state, res } = ctx;
  const bodyText = await readBody(ctx.req);
  if (viaConduitPath && state.options.requireConduit) {
    const conduit = ctx.req.headers['x-conduit-token'];
    if (typeof conduit !== 'string' || state.conduitTokens.get(conduit) !== account.key) {
      sendDetail(res, 403, { code: 'invalid_conduit_token', message: 'Missing or invalid conduit token.' });
      return;
    }
  }
  if (!checkSendSentinel(ctx, account)) return;
  const body = parseJsonObject(bodyText);
  if (!body || (body.action !== 'next' && body.action !== 'continue')) {
    sendDetail(res, 400, 'Invalid request body: action must be "next" or "continue".');
    return;
  }
  const model = typeof body.model === 'string' ? body.model : 'auto';
  if (!modelAllowed(account, model)) {
    sendDetail(res, 404, {
      code: 'model_not_found',
      message: `Model ${model} is not available for this account.`,
    });
    return;
  }
  if (state.busy.has(account.key)) {
    sendDetail(res, 429, BUSY_DETAIL);
    return;
  }
  const outcome =
    body.action === 'next' ? planNext(ctx, account, body, model) : planContinue(ctx, account, body, model);
  if (!outcome) return;
  state.busy.add(account.key);
  trackReply(res, state, () => state.busy.delete(account.key));
  const fault = state.faults.takeMidStream(state.faultKeys(ctx.token ?? '', account));
  if (!(await pause(state.options.firstByteDelayMs, state.closing.signal)) || res.destroyed) return;
  const plan = { ...outcome.plan, chunks: withCitationMarkers(outcome.plan.chunks) };
  const frames = state.options.encoding === 'delta' ? deltaFrames(plan) : cumulativeFrames(plan);
  await runSse({ res, state, frames, fault });
}
