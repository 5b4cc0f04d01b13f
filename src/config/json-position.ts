/**
 * Finds where a JSON text is broken. JSON.parse's own message is not used because V8 quotes a
 * piece of the file in it (which may be a password) and, for some errors, gives no position.
 */
export interface JsonSyntaxProblem {
  /** 0-based offset into the text. */
  position: number;
  line: number;
  column: number;
  reason: string;
}

class Stop extends Error {
  constructor(
    readonly position: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

function scan(text: string): void {
  let at = 0;
  const fail: (reason?: string) => never = (reason) => {
    const atEnd = at >= text.length && reason !== 'unterminated string';
    throw new Stop(at, atEnd ? 'unexpected end of file' : (reason ?? 'unexpected character'));
  };
  const skipSpace = (): void => {
    while (at < text.length && ' \t\n\r'.includes(text[at] ?? '')) at++;
  };
  const expectWord = (word: string): void => {
    for (const char of word) {
      if (text[at] !== char) fail();
      at++;
    }
  };
  const digits = (): void => {
    if (!/[0-9]/.test(text[at] ?? '')) fail();
    while (/[0-9]/.test(text[at] ?? '')) at++;
  };
  const string = (): void => {
    at++; // opening quote
    for (;;) {
      const char = text[at];
      if (char === undefined) fail('unterminated string');
      if (char === '"') return void at++;
      if (char === '\\') {
        at++;
        if (text[at] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(at + 1, at + 5))) fail('bad \\u escape');
          at += 5;
        } else if (ESCAPES.has(text[at] ?? '')) at++;
        else fail('bad escape');
      } else if ((char.codePointAt(0) ?? 0) < 0x20) fail('control character in string (line break?)');
      else at++;
    }
  };
  const number = (): void => {
    if (text[at] === '-') at++;
    if (text[at] === '0') at++;
    else digits();
    if (text[at] === '.') {
      at++;
      digits();
    }
    if (text[at] === 'e' || text[at] === 'E') {
      at++;
      if (text[at] === '+' || text[at] === '-') at++;
      digits();
    }
  };
  const list = (close: string, item: () => void): void => {
    at++; // opening bracket
    skipSpace();
    if (text[at] === close) return void at++;
    for (;;) {
      item();
      skipSpace();
      if (text[at] === close) return void at++;
      if (text[at] !== ',') fail(`expected ',' or '${close}'`);
      at++;
      skipSpace();
      if (text[at] === close) fail('trailing comma');
    }
  };
  const value = (): void => {
    skipSpace();
    const char = text[at];
    if (char === '{')
      list('}', () => {
        skipSpace();
        if (text[at] !== '"') fail('expected a double-quoted key');
        string();
        skipSpace();
        if (text[at] !== ':') fail("expected ':'");
        at++;
        value();
      });
    else if (char === '[') list(']', value);
    else if (char === '"') string();
    else if (char === '-' || /[0-9]/.test(char ?? '')) number();
    else if (char === 't') expectWord('true');
    else if (char === 'f') expectWord('false');
    else if (char === 'n') expectWord('null');
    else fail();
  };
  value();
  skipSpace();
  if (at < text.length) fail('unexpected text after the end');
}

/** Returns the first syntax problem, or undefined when the text is valid JSON. */
export function findJsonSyntaxProblem(text: string): JsonSyntaxProblem | undefined {
  try {
    scan(text);
    return undefined;
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    const before = text.slice(0, error.position);
    const line = before.split('\n').length;
    const column = error.position - before.lastIndexOf('\n');
    return { position: error.position, line, column, reason: error.reason };
  }
}
