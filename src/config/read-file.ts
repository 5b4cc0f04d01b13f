/** Reads settings.json; a missing file is not an error (first start), broken JSON is. */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ConfigIssue } from './errors.js';
import { isPlainObject } from './instances.js';
import { findJsonSyntaxProblem } from './json-position.js';

export type SettingsFile =
  | { exists: false }
  | { exists: true; settings: Record<string, unknown>; mode: number }
  | { exists: true; issue: ConfigIssue };

export async function readSettingsFile(path: string): Promise<SettingsFile> {
  const name = basename(path);
  let text: string;
  let mode: number;
  try {
    [text, mode] = await Promise.all([readFile(path, 'utf8'), stat(path).then((info) => info.mode)]);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { exists: false };
    return { exists: true, issue: { path: name, message: `cannot read ${path} (${code ?? 'error'})` } };
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // BOM from Windows editors
  let settings: unknown;
  try {
    settings = JSON.parse(text);
  } catch {
    const problem = findJsonSyntaxProblem(text);
    const where = problem
      ? ` at line ${problem.line}, column ${problem.column} (position ${problem.position}): ${problem.reason}`
      : '';
    return { exists: true, issue: { path: name, message: `invalid JSON${where}` } };
  }
  if (!isPlainObject(settings)) {
    return { exists: true, issue: { path: name, message: 'must contain a JSON object ({ … })' } };
  }
  return { exists: true, settings, mode };
}
