/** Routes /v1/*: the OpenAI-compatible API, with a lean path for non-streamed completions. */
import { parseJsonObject, pause, readBody, sendJson } from './http-util.js';
import {
  completionBodyPrefix,
  completionBodySuffix,
  completionFrames,
  planCompletion,
} from './openai-completions.js';
import type { CompletionPlan } from './openai-completions.js';
import { sendInvalidApiKey, sendOpenaiError, writeOpenaiFault } from './openai-errors.js';
import type { RouteContext } from './route-context.js';
import type { SimState } from './state.js';
import { resetAfterFlush, runSse, trackReply } from './sse.js';
import type { MidStreamFault } from './types.js';

export const OPENAI_PREFIX = '/v1';
const MAX_CACHED_BODIES = 2000;
const MAX_CACHEABLE_BODY = 8192;

function nextCompletionId(state: SimState): string {
  state.completionCounter = (state.completionCounter + 1) % 1e12;
  return `chatcmpl-sim${state.completionCounter.toString(36)}`;
}

function modelNotFound(ctx: RouteContext, model: string): void {
  sendOpenaiError(ctx.res, 404, {
    message: `The model \`${model}\` does not exist or you do not have access to it.`,
    type: 'invalid_request_error',
    param: 'model',
    code: 'model_not_found',
  });
}

export async function routeOpenai(ctx: RouteContext): Promise<void> {
  const { state, token } = ctx;
  const models = token === undefined || state.expired.has(token) ? undefined : state.apiKeys.get(token);
  if (!models) {
    sendInvalidApiKey(ctx.res);
    return;
  }
  const sub = ctx.path.slice(OPENAI_PREFIX.length);
  if (ctx.req.method === 'GET' && sub === '/models') {
    const data = [...models].map((id) => ({
      id,
      object: 'model',
      created: 1_700_000_000,
      owned_by: 'system',
    }));
    sendJson(ctx.res, 200, { object: 'list', data });
    return;
  }
  if (ctx.req.method !== 'POST' || sub !== '/chat/completions') {
    sendOpenaiError(ctx.res, 404, {
      message: `Unknown request URL: ${ctx.req.method} ${ctx.path}`,
      type: 'invalid_request_error',
      code: 'unknown_url',
    });
    return;
  }
  const bodyText = await readBody(ctx.req);
  if (state.faults.size > 0) {
    const fault = state.faults.takePreResponse([token]);
    if (fault) {
      trackReply(ctx.res, state);
      writeOpenaiFault(ctx.res, fault);
      return;
    }
  }
  const cached = state.completionCache.get(bodyText);
  if (cached && state.options.firstByteDelayMs === 0 && state.faults.size === 0) {
    if (!models.has(cached.model)) return modelNotFound(ctx, cached.model);
    ctx.res.replyDone = true;
    sendJson(
      ctx.res,
      200,
      completionBodyPrefix(nextCompletionId(state), Math.floor(Date.now() / 1000)) + cached.suffix,
    );
    return;
  }
  const body = parseJsonObject(bodyText);
  const plan = body ? planCompletion(body) : 'We could not parse the JSON body of your request.';
  if (typeof plan === 'string') {
    sendOpenaiError(ctx.res, 400, { message: plan, type: 'invalid_request_error', code: null });
    return;
  }
  if (!models.has(plan.model)) return modelNotFound(ctx, plan.model);
  await answerCompletion(ctx, plan, bodyText);
}

async function answerCompletion(ctx: RouteContext, plan: CompletionPlan, bodyText: string): Promise<void> {
  const { state, res } = ctx;
  trackReply(res, state);
  const fault = state.faults.size > 0 ? state.faults.takeMidStream([ctx.token]) : undefined;
  if (!(await pause(state.options.firstByteDelayMs, state.closing.signal)) || res.destroyed) return;
  const id = nextCompletionId(state);
  const created = Math.floor(Date.now() / 1000);
  if (plan.stream) {
    const frames = completionFrames({ plan, id, created, chunks: state.options.replyChunks });
    await runSse({ res, state, frames, fault });
    return;
  }
  const suffix = completionBodySuffix(plan);
  if (!fault && bodyText.length <= MAX_CACHEABLE_BODY) {
    if (state.completionCache.size >= MAX_CACHED_BODIES) state.completionCache.clear();
    state.completionCache.set(bodyText, { model: plan.model, suffix });
  }
  const text = completionBodyPrefix(id, created) + suffix;
  if (fault) return breakPlainBody(ctx, text, fault);
  res.replyDone = true;
  sendJson(res, 200, text);
}

/** Mid-stream faults on a non-streamed body: cut it, stall it, or send broken JSON. */
function breakPlainBody(ctx: RouteContext, text: string, fault: MidStreamFault): void {
  const { res } = ctx;
  const half = text.slice(0, Math.floor(text.length / 2));
  if (fault.type === 'malformed_chunk') {
    res.replyDone = true;
    sendJson(res, 200, half);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.write(half);
  if (fault.type === 'reset_mid_stream') {
    res.replyDone = true;
    resetAfterFlush(res);
  }
}
