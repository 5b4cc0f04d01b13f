import { readFile } from 'node:fs/promises';
import { migrateToLatest } from '../store/migrate.js';
import { importUsersJson } from '../users/import.js';
import { accountsCommand } from './accounts.js';
import { ADD_USER_USAGE, addUserCommand } from './add-user.js';
import { CONFIG_OPTIONS, CliError, configArgv, loadCliConfig, parse, withUsers } from './context.js';
import { copyDb } from './copy-db.js';
import { serve } from './serve.js';

export interface Command {
  summary: string;
  usage: string;
  run(args: string[]): Promise<void>;
}

export const COMMANDS: Record<string, Command> = {
  serve: {
    summary: 'Run the server (the default command).',
    usage: 'serve [--config settings.json] [--host H] [--port P] [--data-dir DIR]',
    run: (args) => serve(args),
  },
  'add-user': {
    summary: 'Create a user and print its API key (shown once).',
    usage: ADD_USER_USAGE,
    run: addUserCommand,
  },
  'list-users': {
    summary: 'List users (never their keys), with their key expiry and limits when set.',
    usage: 'list-users [--json] [--config F] [--data-dir D]',
    async run(args) {
      const { values } = parse({ args, options: { ...CONFIG_OPTIONS, json: { type: 'boolean' } } });
      const { config } = await loadCliConfig(configArgv(values));
      const list = await withUsers(config, (users) => users.listUsers());
      if (values.json) return void console.log(JSON.stringify(list, null, 2));
      for (const u of list) {
        const perms = [u.plus && 'plus', u.admin && 'admin', u.client && 'client', u.disabled && 'DISABLED']
          .filter(Boolean)
          .join(',');
        // Set limits and the expiry follow the four fixed columns, so scripts reading those keep working.
        const extras = [
          u.key_expires_at && `expires ${u.key_expires_at}`,
          u.limits.models && `models ${u.limits.models.join(',')}`,
          u.limits.requests_per_minute && `${u.limits.requests_per_minute}/min`,
          u.limits.requests_per_day && `${u.limits.requests_per_day}/day`,
        ].filter(Boolean);
        const columns = [u.user_id, u.username, perms || '-', `key …${u.key_last4 ?? '----'}`, ...extras];
        console.log(columns.join('\t'));
      }
    },
  },
  'import-users': {
    summary: "Import the original server's users.json (v1 or HEAD form); keys keep working.",
    usage: 'import-users <users.json> [--config F] [--data-dir D]',
    async run(args) {
      const { values, positionals } = parse({ args, options: CONFIG_OPTIONS, allowPositionals: true });
      const file = positionals[0];
      if (!file) throw new CliError('name the users.json file to import', 2);
      let json: unknown;
      try {
        json = JSON.parse(await readFile(file, 'utf8'));
      } catch (error) {
        throw new CliError(
          `cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`,
          2,
        );
      }
      const { config } = await loadCliConfig(configArgv(values));
      const report = await withUsers(config, (users) => importUsersJson(users, json));
      console.log(`Imported ${report.imported.length} user(s).`);
      for (const s of report.skipped) console.log(`Skipped ${s.userId}: ${s.reason}`);
      if (report.skipped.length > 0) process.exitCode = 3;
    },
  },
  accounts: {
    summary: 'List the accounts and their states; --test runs a short turn on each (exit 1 if one fails).',
    usage: 'accounts [--test] [--json] [--config F] [--data-dir D]',
    async run(args) {
      const { values } = parse({
        args,
        options: { ...CONFIG_OPTIONS, test: { type: 'boolean' }, json: { type: 'boolean' } },
      });
      const { config } = await loadCliConfig(configArgv(values));
      await accountsCommand({
        config,
        test: values.test ?? false,
        json: values.json ?? false,
        out: process.stdout,
      });
    },
  },
  'check-config': {
    summary: 'Validate settings.json and print every problem; exit 0 when valid.',
    usage: 'check-config [--config F]',
    async run(args) {
      const { values } = parse({ args, options: CONFIG_OPTIONS });
      const { config } = await loadCliConfig(configArgv(values));
      for (const warning of config.warnings) console.log(`warning: ${warning}`);
      console.log(
        `Configuration OK: ${config.accounts.length} account(s), listening on ${config.server.host}:${config.server.port}.`,
      );
    },
  },
  'copy-db': {
    summary: 'Copy every table to another database (e.g. SQLite → PostgreSQL) and compare counts.',
    usage:
      'copy-db --from <sqlite file or data dir | postgres://…> --to <postgres://… | sqlite file> [--force]',
    async run(args) {
      const { values } = parse({
        args,
        options: { from: { type: 'string' }, to: { type: 'string' }, force: { type: 'boolean' } },
      });
      if (!values.from || !values.to) throw new CliError('--from and --to are required', 2);
      await copyDb({ from: values.from, to: values.to, force: values.force ?? false });
    },
  },
  migrate: {
    summary: 'Bring the database schema up to date.',
    usage: 'migrate [--config F] [--data-dir D]',
    async run(args) {
      const { values } = parse({ args, options: CONFIG_OPTIONS });
      const { config } = await loadCliConfig(configArgv(values));
      await withUsers(config, async (_users, store) => {
        const applied = await migrateToLatest(store.db as never);
        console.log(applied.length ? `Applied: ${applied.join(', ')}` : `Up to date (${store.location}).`);
      });
    },
  },
};
