/**
 * What a running turn has learnt from the upstream so far (account, ids, text, usage, timings),
 * and the outcome record made from it.
 */
import type { FailoverEvent } from '../pool/index.js';
import type { ToolCall, ToolCallDelta, UpstreamKind } from '../upstream/types.js';
import type { TurnOutcome } from './recorder.js';
import type { ChatResult } from './types.js';

export class TurnState {
  reply = '';
  account: string | null = null;
  kind: UpstreamKind | null = null;
  model: string | null = null;
  messageId: string | null = null;
  upstreamConversationId: string | null = null;
  title: string | null = null;
  finish = 'stop';
  usage: ChatResult['usage'] = {};
  /** Function calls joined from their pieces, by the upstream's index. */
  toolCalls: ToolCall[] | undefined;
  /** ms from the request to the first text delta. */
  firstByteMs: number | null = null;
  started = false;
  // performance.now() marks of the upstream part, for the overhead header and metrics.
  upstreamStartedAt: number | null = null;
  upstreamFirstByteMs: number | undefined;
  upstreamMs: number | undefined;

  /** Takes in a non-text event. */
  note(event: Exclude<FailoverEvent, { type: 'delta' | 'tool_call' }>): void {
    switch (event.type) {
      case 'account':
        this.upstreamStartedAt ??= performance.now();
        this.account = event.name;
        this.kind = event.kind;
        break;
      case 'ids':
        if (event.conversationId) this.upstreamConversationId = event.conversationId;
        if (event.messageId) this.messageId = event.messageId;
        if (event.model) this.model = event.model;
        break;
      case 'title':
        this.title = event.title;
        break;
      case 'usage':
        this.usage = {
          promptTokens: event.promptTokens,
          completionTokens: event.completionTokens,
          totalTokens: event.totalTokens,
        };
        break;
      case 'finish':
        this.finish = event.reason;
        break;
    }
  }

  /** Adds a piece of a function call: the first of an index opens the call, later ones extend it. */
  addToolCall(piece: ToolCallDelta): void {
    this.toolCalls ??= [];
    let call = this.toolCalls[piece.index];
    if (!call) {
      call = { id: '', type: 'function', function: { name: '', arguments: '' } };
      this.toolCalls[piece.index] = call;
    }
    if (piece.id) call.id = piece.id;
    if (piece.name) call.function.name += piece.name;
    if (piece.arguments) call.function.arguments += piece.arguments;
  }

  /** Marks the first text delta (or piece of a function call); true the first time only. */
  firstDelta(sinceRequestMs: number): boolean {
    if (this.started) return false;
    this.started = true;
    this.firstByteMs = sinceRequestMs;
    this.upstreamFirstByteMs = performance.now() - (this.upstreamStartedAt ?? performance.now());
    return true;
  }

  /** The calls in index order (an index the upstream skipped leaves no hole). */
  calls(): ToolCall[] | undefined {
    return this.toolCalls?.filter((call) => call !== undefined);
  }

  upstreamEnded(): void {
    if (this.upstreamStartedAt === null || this.upstreamMs !== undefined) return;
    this.upstreamMs = performance.now() - this.upstreamStartedAt;
  }

  outcome(status: TurnOutcome['status'], error?: { code: string; message: string }): TurnOutcome {
    return {
      status,
      reply: this.reply,
      account: this.account,
      model: this.model,
      messageId: this.messageId,
      errorCode: error?.code,
      errorMessage: error?.message,
      promptTokens: this.usage.promptTokens,
      completionTokens: this.usage.completionTokens,
      firstByteMs: this.firstByteMs,
      ...(this.toolCalls && { toolCalls: this.calls() }),
    };
  }
}
