/** GET /conversations, GET|PATCH /conversation/{id}, POST /conversation/gen_title/{id} (§1.4). */
import { parseJsonObject, readBody, sendJson } from '../http-util.js';
import { simulatedTitle } from '../reply.js';
import type { RouteContext } from '../route-context.js';
import type { AccountRecord } from '../state.js';
import type { Conversation } from './conversation-store.js';
import { sendDetail } from './errors.js';
import { storedMessageJson } from './messages.js';

function summary(conversation: Conversation): Record<string, unknown> {
  return {
    id: conversation.id,
    title: conversation.title ?? 'New chat',
    create_time: new Date(conversation.createTime * 1000).toISOString(),
    update_time: new Date(conversation.updateTime * 1000).toISOString(),
    mapping: null,
    current_node: null,
    conversation_template_id: null,
    gizmo_id: null,
    is_archived: false,
    workspace_id: null,
  };
}

function intParam(value: string | null, fallback: number): number {
  const parsed = value === null ? NaN : Number.parseInt(value, 10);
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : fallback;
}

export function handleListConversations(ctx: RouteContext, account: AccountRecord): void {
  const all = ctx.state.conversations.list(account.key);
  const query = new URLSearchParams(ctx.rawQuery);
  const offset = intParam(query.get('offset'), 0);
  const limit = intParam(query.get('limit'), 28);
  sendJson(ctx.res, 200, {
    items: all.slice(offset, offset + limit).map(summary),
    total: all.length,
    limit,
    offset,
    has_missing_conversations: false,
  });
}

function fullConversation(conversation: Conversation): Record<string, unknown> {
  const mapping: Record<string, unknown> = {};
  for (const node of conversation.nodes.values()) {
    mapping[node.id] = {
      id: node.id,
      message: node.message ? storedMessageJson(node.message, node.parent) : null,
      parent: node.parent,
      children: node.children,
    };
  }
  return {
    title: conversation.title ?? 'New chat',
    create_time: conversation.createTime,
    update_time: conversation.updateTime,
    mapping,
    moderation_results: [],
    current_node: conversation.currentNode,
    conversation_id: conversation.id,
    is_archived: false,
  };
}

function notFound(ctx: RouteContext): void {
  sendDetail(ctx.res, 404, { code: 'conversation_not_found', message: "Can't load conversation." });
}

async function generateTitle(ctx: RouteContext, conversation: Conversation): Promise<void> {
  const body = parseJsonObject(await readBody(ctx.req));
  const messageId = typeof body?.message_id === 'string' ? body.message_id : '';
  const node = conversation.nodes.get(messageId);
  if (!node?.message) {
    sendDetail(ctx.res, 404, 'Message not found.');
    return;
  }
  const userNode = node.message.role === 'user' ? node : conversation.nodes.get(node.parent ?? '');
  const title = simulatedTitle(userNode?.message?.text ?? node.message.text);
  conversation.title = title;
  sendJson(ctx.res, 200, { title });
}

export async function handleConversationRoute(
  ctx: RouteContext,
  account: AccountRecord,
  method: string,
  sub: string,
): Promise<void> {
  const store = ctx.state.conversations;
  if (method === 'POST' && sub.startsWith('/conversation/gen_title/')) {
    const conversation = store.get(
      decodeURIComponent(sub.slice('/conversation/gen_title/'.length)),
      account.key,
    );
    if (!conversation) return notFound(ctx);
    return generateTitle(ctx, conversation);
  }
  const conversation = store.get(decodeURIComponent(sub.slice('/conversation/'.length)), account.key);
  if (!conversation) return notFound(ctx);
  if (method === 'GET') return sendJson(ctx.res, 200, fullConversation(conversation));
  if (method === 'PATCH') {
    const body = parseJsonObject(await readBody(ctx.req));
    if (body?.is_visible === false) conversation.visible = false;
    if (typeof body?.title === 'string') conversation.title = body.title;
    return sendJson(ctx.res, 200, { success: true });
  }
  sendDetail(ctx.res, 405, 'Method Not Allowed');
}
