/**
 * One ChatGPT web turn: sentinel, optional conduit, the streamed send, and automatic
 * `continue` sends while the reply stops at max_tokens. Text is yielded as it arrives.
 */
import type { ResponseBody } from '../http/call.js';
import { UpstreamError } from '../types.js';
import type { ProviderAccount, TurnEvent, TurnRequest } from '../types.js';
import { toUpstreamError } from './errors.js';
import { send, sendForJson } from './http.js';
import { isJsonObject } from './json-patch.js';
import type { JsonObject } from './json-patch.js';
import { conduitPrepareBody, continueBody, nextBody, promptFor, readSettings } from './request-body.js';
import type { ChatGptSettings } from './request-body.js';
import { obtainSentinelTokens } from './sentinel.js';
import { readSseBatches } from '../http/sse.js';
import { ChatGptStreamParser, batchTurnEvents, mapFinishReason } from './stream-parser.js';
import { fetchTitle } from './title.js';

const MAX_CONTINUES = 3;
const NEW_CONVERSATION_PARENT = 'client-created-root';

interface SendContext {
  account: ProviderAccount;
  settings: ChatGptSettings;
  signal: AbortSignal;
}

async function sendHeaders(context: SendContext, body: JsonObject): Promise<Record<string, string>> {
  const { account, settings, signal } = context;
  const tokens = await obtainSentinelTokens({
    account,
    signal,
    mode: settings.sentinel,
    powVariant: settings.powVariant,
  });
  const headers: Record<string, string> = {
    accept: 'text/event-stream',
    'openai-sentinel-chat-requirements-token': tokens.requirementsToken,
  };
  if (tokens.proofToken !== undefined) headers['openai-sentinel-proof-token'] = tokens.proofToken;
  if (settings.conduit && settings.sendPath === 'f/conversation') {
    const prepareBody = conduitPrepareBody({
      action: typeof body.action === 'string' ? body.action : 'next',
      model: typeof body.model === 'string' ? body.model : 'auto',
      parentMessageId:
        typeof body.parent_message_id === 'string' ? body.parent_message_id : NEW_CONVERSATION_PARENT,
      conversationId: typeof body.conversation_id === 'string' ? body.conversation_id : undefined,
    });
    const answer = await sendForJson({
      account,
      method: 'POST',
      path: '/f/conversation/prepare',
      body: prepareBody,
      headers,
      signal,
    });
    if (!isJsonObject(answer) || typeof answer.conduit_token !== 'string') {
      throw toUpstreamError(new UpstreamError('bad_response', 'conversation prepare gave no conduit_token'), {
        account,
      });
    }
    headers['x-conduit-token'] = answer.conduit_token;
  }
  return headers;
}

/** The parent of a follow-up that did not name one: the conversation's current node. */
async function currentNode(context: SendContext, conversationId: string): Promise<string> {
  const answer = await sendForJson({
    account: context.account,
    method: 'GET',
    path: `/conversation/${encodeURIComponent(conversationId)}`,
    signal: context.signal,
  });
  if (isJsonObject(answer) && typeof answer.current_node === 'string') return answer.current_node;
  throw toUpstreamError(new UpstreamError('bad_response', 'conversation has no current_node'), {
    account: context.account,
  });
}

export async function* streamChatGptTurn(
  account: ProviderAccount,
  request: TurnRequest,
): AsyncGenerator<TurnEvent> {
  const context: SendContext = { account, settings: readSettings(account.options), signal: request.signal };
  const parser = new ChatGptStreamParser();
  const progress = { textSent: false };
  let activeBody: ResponseBody | undefined;
  try {
    const prompt = promptFor(request);
    const conversationId = request.conversationId;
    const parentMessageId =
      conversationId === undefined
        ? NEW_CONVERSATION_PARENT
        : (request.parentMessageId ?? (await currentNode(context, conversationId)));
    let body = nextBody({ model: request.model, conversationId, parentMessageId, prompt });

    for (let continues = 0; ; continues += 1) {
      const headers = await sendHeaders(context, body);
      const response = await send({
        account,
        method: 'POST',
        path: `/${context.settings.sendPath}`,
        body,
        headers,
        signal: request.signal,
      });
      activeBody = response.body;
      try {
        for await (const batch of readSseBatches(response.body)) {
          // A loop, not `yield*`: see docs/DESIGN.md.
          for (const event of batchTurnEvents(parser, batch, progress)) yield event;
          if (parser.done) break;
        }
      } catch (error) {
        // After message_stream_complete the reply is whole; a broken tail does not matter.
        if (!parser.complete || request.signal.aborted) throw error;
      }
      response.body.destroy();
      activeBody = undefined;
      if (!parser.complete) throw new UpstreamError('bad_response', 'reply stream ended before completion');

      const canContinue = parser.conversationId !== undefined && parser.messageId !== undefined;
      if (parser.finishType !== 'max_tokens' || continues >= MAX_CONTINUES || !canContinue) break;
      body = continueBody({
        model: request.model,
        conversationId: parser.conversationId,
        parentMessageId: parser.messageId ?? NEW_CONVERSATION_PARENT,
      });
      parser.startNextStream();
    }

    if (!parser.title && conversationId === undefined && context.settings.titleFallback) {
      const title = await fetchTitle({
        account,
        conversationId: parser.conversationId,
        messageId: parser.messageId,
        signal: request.signal,
      });
      if (title) yield { type: 'title', title };
    }
    yield { type: 'finish', reason: mapFinishReason(parser.finishType) };
  } catch (error) {
    throw toUpstreamError(error, { account, signal: request.signal, afterFirstByte: progress.textSent });
  } finally {
    if (activeBody && !activeBody.destroyed) activeBody.destroy();
  }
}
