/** `add-user`: the admin API's add-user for an operator at the shell, with the same checks. */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { keyExpiry, modelNameList } from '../users/input-schemas.js';
import { CliError, loadCliConfig, withUsers } from './context.js';

export const ADD_USER_USAGE =
  'add-user --userid ID [--username NAME] [--plus] [--admin] [--client] [--models a,b] ' +
  '[--key-expires-at DATE] [--requests-per-minute N] [--requests-per-day N] [--config F] [--data-dir D]';

const limit = z.coerce.number().int().positive().max(1_000_000_000).optional();

/** The flags that need more than a type check, by their flag names. */
const checkedFlags = z.object({
  models: modelNameList,
  'key-expires-at': keyExpiry.optional(),
  'requests-per-minute': limit,
  'requests-per-day': limit,
});

function parseFlags(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        config: { type: 'string' },
        'data-dir': { type: 'string' },
        userid: { type: 'string' },
        username: { type: 'string' },
        plus: { type: 'boolean' },
        admin: { type: 'boolean' },
        client: { type: 'boolean' },
        models: { type: 'string' },
        'key-expires-at': { type: 'string' },
        'requests-per-minute': { type: 'string' },
        'requests-per-day': { type: 'string' },
      },
    }).values;
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), 2);
  }
}

export async function addUserCommand(args: string[]): Promise<void> {
  const values = parseFlags(args);
  const userId = values.userid?.trim();
  if (!userId) throw new CliError('--userid is required', 2);
  const checked = checkedFlags.safeParse(values);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new CliError(`--${String(issue?.path[0] ?? '')}: ${issue?.message ?? 'invalid'}`, 2);
  }
  const flags = checked.data;
  const limits = {
    ...(flags['requests-per-minute'] !== undefined && { requests_per_minute: flags['requests-per-minute'] }),
    ...(flags['requests-per-day'] !== undefined && { requests_per_day: flags['requests-per-day'] }),
    ...(flags.models !== undefined && { models: flags.models }),
  };
  const expiresAt = flags['key-expires-at'] ?? undefined;
  const { config } = await loadCliConfig([
    ...(values.config ? ['--config', values.config] : []),
    ...(values['data-dir'] ? ['--data-dir', values['data-dir']] : []),
  ]);
  const { apiKey } = await withUsers(config, (users) =>
    users.addUser(
      {
        userId,
        username: values.username ?? userId,
        plus: values.plus ?? false,
        admin: values.admin,
        client: values.client,
        limits,
        ...(expiresAt !== undefined && { keyExpiresAt: expiresAt }),
      },
      null,
    ),
  );
  console.log(`User ${userId} added. API key (shown once): ${apiKey}`);
  if (expiresAt !== undefined) console.log(`The key expires at ${new Date(expiresAt).toISOString()}.`);
}
