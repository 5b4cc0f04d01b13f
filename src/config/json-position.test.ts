import { describe, expect, it } from 'vitest';
import { findJsonSyntaxProblem } from './json-position.js';

describe('findJsonSyntaxProblem', () => {
  it('accepts everything JSON.parse accepts', () => {
    const valid = [
      '{}',
      ' [1, -2.5e+3, 0, "a\\u00e9\\n", true, false, null, {"k": [[]]}] ',
      '"just a string"',
      '{"nested": {"list": [{"a": 1}, {"b": "x\\"y"}]}}',
    ];
    for (const text of valid) {
      expect(() => JSON.parse(text)).not.toThrow();
      expect(findJsonSyntaxProblem(text)).toBeUndefined();
    }
  });

  it.each([
    ['{"a": 1,}', 1, 9, 'trailing comma'],
    ['{"a": 1\n "b": 2}', 2, 2, "expected ',' or '}'"],
    ["{'a': 1}", 1, 2, 'expected a double-quoted key'],
    ['{"a": 01}', 1, 8, "expected ',' or '}'"],
    ['{"a": "line\nbreak"}', 1, 12, 'control character in string (line break?)'],
    ['{"a": tru}', 1, 10, 'unexpected character'],
    ['{"a": [1, 2', 1, 12, 'unexpected end of file'],
    ['{} {}', 1, 4, 'unexpected text after the end'],
  ])('locates the problem in %j', (text, line, column, reason) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(findJsonSyntaxProblem(text)).toMatchObject({ line, column, reason });
  });
});
