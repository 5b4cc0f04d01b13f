/**
 * Function calling, as OpenAI's Chat Completions does it: deterministic, so tests can assert the
 * calls. The model calls each offered tool whose name is in the prompt (with `required`, the
 * first tool when none is named), with `{"prompt": …}` as arguments; a `tool` message last gets a
 * text reply that quotes it. Tool messages must answer a call made earlier in the list (400
 * otherwise, as OpenAI answers).
 */
import { createHash } from 'node:crypto';

export interface SimToolCall {
  id: string;
  name: string;
  arguments: string;
}

export type ToolPlan = { calls: SimToolCall[] } | { toolAnswer: string } | undefined;

type Message = { role?: unknown; content?: unknown; tool_calls?: unknown; tool_call_id?: unknown };

const ORPHAN_TOOL_MESSAGE =
  "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.";

const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};

function toolNames(tools: unknown): string[] | string {
  if (tools === undefined || tools === null) return [];
  if (!Array.isArray(tools)) return "Invalid type for 'tools': expected an array.";
  const names: string[] = [];
  for (const [index, tool] of tools.entries()) {
    const fn = record(record(tool).function);
    if (record(tool).type !== 'function' || typeof fn.name !== 'string' || !fn.name)
      return `Missing required parameter: 'tools[${index}].function.name'.`;
    names.push(fn.name);
  }
  return names;
}

function chosenTools(body: Record<string, unknown>, names: string[], prompt: string): string[] | string {
  const choice = body.tool_choice;
  if (choice === 'none' || names.length === 0) return [];
  const named = record(record(choice).function).name;
  if (typeof named === 'string') {
    return names.includes(named) ? [named] : `Invalid value for 'tool_choice': no function named '${named}'.`;
  }
  const mentioned = names.filter((name) => prompt.includes(name));
  if (mentioned.length === 0 && choice === 'required') mentioned.push(names[0]!);
  return body.parallel_tool_calls === false ? mentioned.slice(0, 1) : mentioned;
}

const callId = (prompt: string, name: string, index: number): string =>
  `call_${createHash('sha256').update(`${index}\u0000${name}\u0000${prompt}`).digest('hex').slice(0, 24)}`;

/** What the tools change about the reply, or an error message for a 400. */
export function planTools(
  body: Record<string, unknown>,
  messages: Message[],
  prompt: string,
): ToolPlan | string {
  const answered = new Set<string>();
  for (const message of messages) {
    if (message.role === 'assistant' && Array.isArray(message.tool_calls))
      for (const call of message.tool_calls) {
        const id = record(call).id;
        if (typeof id === 'string') answered.add(id);
      }
    if (
      message.role === 'tool' &&
      (typeof message.tool_call_id !== 'string' || !answered.has(message.tool_call_id))
    )
      return ORPHAN_TOOL_MESSAGE;
  }
  const last = messages.at(-1);
  if (last?.role === 'tool') return { toolAnswer: typeof last.content === 'string' ? last.content : '' };
  const names = toolNames(body.tools);
  if (typeof names === 'string') return names;
  const chosen = chosenTools(body, names, prompt);
  if (typeof chosen === 'string') return chosen;
  if (chosen.length === 0) return undefined;
  const args = JSON.stringify({ prompt });
  return { calls: chosen.map((name, index) => ({ id: callId(prompt, name, index), name, arguments: args })) };
}
