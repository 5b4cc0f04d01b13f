/** Deterministic reply text, so tests can assert exact output. */

/** A prompt containing this marker gets a reply cut off with finish reason max_tokens / length. */
export const SIM_CUTOFF_MARKER = '[[sim:max_tokens]]';

const MARKDOWN_TAIL = '\n\nIt has **bold** words, a list:\n\n- one\n- two\n\nand `inline code`.';

export function simulatedReply(prompt: string, turnIndex = 0): string {
  return `Simulated reply ${turnIndex} to: ${prompt}${MARKDOWN_TAIL}`;
}

export function simulatedTitle(prompt: string): string {
  const words = prompt.trim().split(/\s+/).slice(0, 5).join(' ');
  return `Sim: ${words || 'New chat'}`;
}

/** The part sent first and the part a `continue` sends, for a reply that is cut off. */
export function splitForCutoff(text: string): { first: string; rest: string } {
  const chars = Array.from(text);
  const half = Math.floor(chars.length / 2);
  return { first: chars.slice(0, half).join(''), rest: chars.slice(half).join('') };
}

/** Splits text into `count` pieces of near-equal length (by code point) that join back to it. */
export function splitIntoChunks(text: string, count: number): string[] {
  const chars = Array.from(text);
  const pieces = Math.max(1, Math.min(Math.floor(count), chars.length));
  const size = Math.ceil(chars.length / pieces);
  const chunks: string[] = [];
  for (let start = 0; start < chars.length; start += size) {
    chunks.push(chars.slice(start, start + size).join(''));
  }
  return chunks.length > 0 ? chunks : [''];
}

/** Rough token count (words and punctuation), stable for a given text. */
export function countTokens(text: string): number {
  const matches = text.match(/\w+|[^\s\w]/g);
  return matches ? matches.length : 0;
}
