import type { ConfigIssue } from './errors.js';
import { ConfigError } from './errors.js';

export interface ServeFlags {
  config?: string;
  host?: string;
  port?: number;
  dataDir?: string;
}

type FlagName = keyof ServeFlags;

const FLAG_NAMES: Readonly<Record<string, FlagName>> = {
  '--config': 'config',
  '--host': 'host',
  '--port': 'port',
  '--data-dir': 'dataDir',
};

/** Parses a port the way every source (file, env, flag) must: a whole number 0..65535. */
export function parsePort(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isInteger(raw) && raw >= 0 && raw <= 65535 ? raw : undefined;
  if (typeof raw === 'string' && /^\s*\d{1,5}\s*$/.test(raw)) return parsePort(Number(raw));
  return undefined;
}

export const PORT_MESSAGE = 'must be an integer 0..65535';

/**
 * Reads the `serve` flags (the arguments after the sub-command). Unknown flags, positional
 * arguments and missing values become issues instead of exceptions, so loadConfig can list
 * them together with the problems found in settings.json.
 */
export function collectServeFlags(argv: readonly string[]): { flags: ServeFlags; issues: ConfigIssue[] } {
  const flags: ServeFlags = {};
  const issues: ConfigIssue[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    const equals = arg.indexOf('=');
    const flag = arg.startsWith('--') && equals > 0 ? arg.slice(0, equals) : arg;
    const name = FLAG_NAMES[flag];
    if (name === undefined) {
      const what = arg.startsWith('-') ? 'unknown flag' : 'unexpected argument';
      issues.push({ path: flag, message: `${what} (known: ${Object.keys(FLAG_NAMES).join(', ')})` });
      continue;
    }
    let value: string | undefined;
    if (equals > 0 && arg.startsWith('--')) value = arg.slice(equals + 1);
    else if (index + 1 < argv.length && !(argv[index + 1] ?? '').startsWith('--')) value = argv[++index];
    if (value === undefined || value === '') {
      issues.push({ path: flag, message: 'needs a value' });
      continue;
    }
    if (name === 'port') {
      const port = parsePort(value);
      if (port === undefined) issues.push({ path: flag, message: PORT_MESSAGE });
      else flags.port = port;
    } else {
      flags[name] = value;
    }
  }
  return { flags, issues };
}

/** Like collectServeFlags, but throws a ConfigError listing every problem. */
export function parseServeFlags(argv: readonly string[]): ServeFlags {
  const { flags, issues } = collectServeFlags(argv);
  if (issues.length > 0) throw new ConfigError(issues);
  return flags;
}
