import type { z } from 'zod';
import type { ConfigIssue } from './errors.js';
import { formatIssuePath } from './errors.js';

/** Maps zod's issues to `path: message`, with `prefix` in front of every path. */
export function toConfigIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): ConfigIssue[] {
  return error.issues.map((issue) => {
    const path = formatIssuePath([...prefix, ...issue.path]);
    return { path: path === '' ? '(settings)' : path, message: issue.message };
  });
}
