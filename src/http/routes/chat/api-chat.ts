/**
 * GET/POST /api/chat — the original's endpoint, with every parameter it took. JSON by default;
 * `reply_only` → text/plain; `reply_only` + `pretty` → sanitised HTML; `stream` → SSE.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isFinishing, type ChatEvent, type ChatResult } from '../../../chat/types.js';
import type { AppDeps } from '../../deps.js';
import { clientGone } from '../../abort.js';
import { authenticateUser } from '../../auth.js';
import { parseInput, requestParams } from '../../input.js';
import { renderMarkdown } from '../../render/markdown.js';
import { chatContext } from '../../request-metrics.js';
import { sendSse, sseFrame } from '../../render/sse.js';
import { presentChatResult } from './present.js';
import { chatParams } from './schema.js';

async function finalResult(events: AsyncIterable<ChatEvent>): Promise<ChatResult> {
  let result: ChatResult | undefined;
  for await (const event of events) if (event.type === 'done') result = event.result;
  if (!result) throw new Error('chat ended without a result');
  return result;
}

export function apiChatRoutes({ users, runtime, config }: AppDeps) {
  const simulated = config.simulated === true;
  return async function routes(app: FastifyInstance): Promise<void> {
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const principal = await authenticateUser(request, users);
      const params = parseInput(chatParams, requestParams(request));
      const events = runtime.chat.chat({
        principal,
        prompt: params.prompt,
        tier: params.plus,
        model: params.model,
        conversationId: params.conversation_id || undefined,
        accessToken: params.access_token || undefined,
        userPlus: params.user_plus,
        stream: params.stream,
        via: 'api',
        ...clientGone(request, reply),
        ...chatContext(request),
      });
      if (params.stream) {
        return sendSse(request, reply, events, {
          frame: (event) => {
            if (event.type === 'delta') return sseFrame({ type: 'delta', text: event.text }, 'delta');
            if (event.type === 'start')
              return sseFrame(
                {
                  type: 'start',
                  conversation_id: event.conversationId,
                  model: event.model,
                  account: event.account,
                },
                'start',
              );
            if (event.type === 'title') return sseFrame({ type: 'title', title: event.title }, 'title');
            if (event.type === 'tool_call') return ''; // only turns with tools (/v1) have them
            if (event.type === 'finishing') return '';
            return sseFrame(
              { type: 'done', ...presentChatResult(event.result, principal, simulated) },
              'done',
            );
          },
          errorFrame: (error) =>
            sseFrame({ type: 'error', status: 'error', code: error.code, message: error.message }, 'error'),
          holdsTail: isFinishing,
        });
      }
      const result = await finalResult(events);
      if (params.reply_only && params.pretty)
        return reply.type('text/html; charset=utf-8').send(renderMarkdown(result.reply));
      if (params.reply_only) return reply.type('text/plain; charset=utf-8').send(result.reply);
      return presentChatResult(result, principal, simulated);
    };
    app.route({ method: ['GET', 'POST'], url: '/api/chat', handler });
  };
}
