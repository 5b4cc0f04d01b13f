/** Configuration problems are collected, never thrown one at a time, so a user fixes them in one go. */
export interface ConfigIssue {
  /** Where the problem is, e.g. `openai.instances[2].proxy`, `env.API_PORT`, `--port`. */
  path: string;
  message: string;
}

export class ConfigError extends Error {
  readonly issues: ConfigIssue[];
  /** The settings file concerned, when known. */
  readonly configPath?: string;

  constructor(issues: ConfigIssue[], configPath?: string) {
    const where = configPath ? ` (${configPath})` : '';
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(`Invalid configuration${where}: ${count}\n${formatConfigIssues(issues)}`);
    this.name = 'ConfigError';
    this.issues = issues;
    if (configPath !== undefined) this.configPath = configPath;
  }
}

/** One line per issue: `  - path: message`. */
export function formatConfigIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((issue) => `  - ${issue.path}: ${issue.message}`).join('\n');
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** Turns `['openai', 'instances', 2, 'proxy']` into `openai.instances[2].proxy`. */
export function formatIssuePath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      const key = String(segment);
      if (IDENTIFIER.test(key)) out += out === '' ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}
