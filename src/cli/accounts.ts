/**
 * `chatgpt-api-server accounts`: the accounts of settings.json and the store with their state,
 * and with `--test` a short turn on each one, one progress line per account. Exit 1 when a test
 * fails, so scripts (and a start-up check) can rely on it.
 */
import type { AccountAdminView } from '../accounts/service.js';
import type { AppConfig } from '../config/types.js';
import { isAppError } from '../errors.js';
import { createLogger } from '../logging/logger.js';
import { createRuntime } from '../runtime.js';
import { openStore } from '../store/index.js';
import { CliError } from './context.js';

export interface AccountsCommandInput {
  config: AppConfig;
  test: boolean;
  json: boolean;
  out: { write(text: string): unknown };
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function describeState(view: AccountAdminView): string {
  return view.reason ? `${view.status} (${view.reason})` : view.status;
}

function printTable(views: AccountAdminView[], out: AccountsCommandInput['out']): void {
  if (views.length === 0) {
    out.write('No accounts. Add one under "openai.instances" in settings.json (see README).\n');
    return;
  }
  for (const v of views) {
    out.write(`${v.name}\t${v.kind}\t${v.tier}\t${describeState(v)}\t${v.source}\t${v.proxy}\n`);
  }
}

export async function accountsCommand({ config, test, json, out }: AccountsCommandInput): Promise<void> {
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'silent' });
  const runtime = await createRuntime({ config, store, logger }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  try {
    const views = await runtime.accounts.list();
    if (!test) {
      if (json) out.write(`${JSON.stringify(views, null, 2)}\n`);
      else printTable(views, out);
      return;
    }
    const results: { name: string; ok: boolean; ms?: number; error?: string }[] = [];
    for (const view of views) {
      if (view.status === 'disabled') {
        if (!json) out.write(`skipping ${view.name} (${describeState(view)})\n`);
        continue;
      }
      if (!json) out.write(`testing ${view.name}… `);
      const signal = AbortSignal.timeout(config.limits.request_timeout_ms);
      const result = await runtime.accounts.test(view.name, signal).catch((error: unknown) => ({
        ok: false,
        ms: undefined,
        error: { kind: isAppError(error) ? error.code : 'error', message: messageOf(error) },
      }));
      const error = result.error ? `${result.error.kind}: ${result.error.message}` : undefined;
      results.push({ name: view.name, ok: result.ok, ms: result.ms, error });
      if (!json) {
        const took = result.ms === undefined ? '' : ` (${seconds(result.ms)})`;
        out.write(result.ok ? `ok${took}\n` : `failed${took}: ${error ?? 'unknown error'}\n`);
      }
    }
    const failed = results.filter((r) => !r.ok).length;
    if (json) out.write(`${JSON.stringify(results, null, 2)}\n`);
    else out.write(`${results.length - failed} of ${results.length} account(s) answered.\n`);
    if (failed > 0) throw new CliError(`${failed} account(s) failed the test`, 1);
  } finally {
    await runtime.close();
    await store.close();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
