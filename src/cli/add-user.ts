/** `add-user`: the admin API's add-user for an operator at the shell, with the same checks. */
import { z } from 'zod';
import { keyExpiry, modelNameList, requestLimit } from '../users/input-schemas.js';
import { CONFIG_OPTIONS, CliError, configArgv, loadCliConfig, parse, withUsers } from './context.js';

export const ADD_USER_USAGE =
  'add-user --userid ID [--username NAME] [--plus] [--admin] [--client] [--models a,b] ' +
  '[--key-expires-at DATE] [--requests-per-minute N] [--requests-per-day N] [--config F] [--data-dir D]';

/** The flags that need more than a type check, by their flag names. */
const checkedFlags = z.object({
  models: modelNameList,
  'key-expires-at': keyExpiry.optional(),
  'requests-per-minute': requestLimit.optional(),
  'requests-per-day': requestLimit.optional(),
});

const parseFlags = (args: string[]) =>
  parse({
    args,
    options: {
      ...CONFIG_OPTIONS,
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
  const expiresAt = flags['key-expires-at'];
  const { config } = await loadCliConfig(configArgv(values));
  const { apiKey } = await withUsers(config, (users) =>
    users.addUser(
      {
        userId,
        username: values.username ?? userId,
        plus: values.plus ?? false,
        admin: values.admin,
        client: values.client,
        limits,
        keyExpiresAt: expiresAt,
      },
      null,
    ),
  );
  console.log(`User ${userId} added. API key (shown once): ${apiKey}`);
  if (expiresAt != null) console.log(`The key expires at ${new Date(expiresAt).toISOString()}.`);
}
