import { storedToolCalls } from '../../chat/presenter.js';
import type { TurnRow } from '../../store/index.js';
import type { ToolCall } from '../../upstream/types.js';
import { renderMarkdown } from '../render/markdown.js';
import { html, trusted, type SafeHtml } from './html.js';
import { formatTime } from './layout.js';

/** One turn as the pages show it. */
export interface TurnDisplay {
  prompt: string;
  reply: string;
  status: string;
  errorMessage?: string | null;
  account?: string | null;
  model?: string | null;
  at?: number | null;
  /** Function calls the reply made (/v1 calls with tools). */
  toolCalls?: ToolCall[];
}

export const turnFromRow = (row: TurnRow): TurnDisplay => ({
  prompt: row.prompt,
  reply: row.reply,
  status: row.status,
  errorMessage: row.error_message,
  account: row.account_name,
  model: row.model,
  at: row.created_at,
  toolCalls: storedToolCalls(row.tool_calls),
});

/** `name(arguments)`, one per call; the arguments are the model's text, shown as text. */
const toolCallsView = (calls: ToolCall[]): SafeHtml =>
  html`<details class="tool-calls" open>
    <summary>Function calls (${calls.length})</summary>
    <pre class="reply-source">
${calls.map((call) => `${call.function.name}(${call.function.arguments})`).join('\n')}</pre>
  </details>`;

export function turnMeta(turn: TurnDisplay): string {
  const parts = [formatTime(turn.at)];
  if (turn.model) parts.push(turn.model);
  if (turn.account) parts.push(`account ${turn.account}`);
  if (turn.status !== 'complete') parts.push(turn.status);
  return parts.join(' · ');
}

/** A turn: the prompt as text, the reply as sanitised Markdown (or text), its source, its facts. */
export function turnView(turn: TurnDisplay, options: { pretty?: boolean } = {}): SafeHtml {
  const pretty = options.pretty ?? true;
  const reply = pretty
    ? html`<div class="reply" data-state="done">${trusted(renderMarkdown(turn.reply))}</div>
        <details class="source">
          <summary>Markdown source</summary>
          <pre class="reply-source">${turn.reply}</pre>
        </details>`
    : html`<div class="reply" data-state="done">
        <pre class="reply-text reply-source">${turn.reply}</pre>
      </div>`;
  return html`<article class="turn">
    <p class="prompt">${turn.prompt}</p>
    ${reply} ${turn.toolCalls?.length ? toolCallsView(turn.toolCalls) : ''}
    ${turn.errorMessage ? html`<p class="notice error">${turn.errorMessage}</p>` : ''}
    <p class="meta">${turnMeta(turn)}</p>
  </article>`;
}
