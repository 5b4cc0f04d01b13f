/**
 * Import of the original server's users.json, in both of its shapes:
 *   v1:   {"API_KEYS": {"<key>": {"user_id", "username", "plus"}}}
 *   HEAD: the same records with "is_admin", "is_client", "clients": [...]
 * Keys keep working after the import; only their hash is stored.
 */
import { z } from 'zod';
import type { UserService } from './service.js';

const truthy = z
  .union([z.boolean(), z.enum(['true', 'false', 'True', 'False'])])
  .transform((v) => v === true || v === 'true' || v === 'True');

const recordSchema = z.object({
  user_id: z.union([z.string().min(1), z.number()]).transform(String),
  username: z.string().default(''),
  plus: truthy.default(false),
  is_admin: truthy.default(false),
  is_client: truthy.default(false),
  clients: z.array(z.string()).optional(),
});

const fileSchema = z.object({ API_KEYS: z.record(z.string().min(1), recordSchema) });

export interface ImportReport {
  imported: string[];
  skipped: { userId: string; reason: string }[];
}

export async function importUsersJson(users: UserService, json: unknown): Promise<ImportReport> {
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`not an original users.json:\n  ${issues.join('\n  ')}`);
  }
  const report: ImportReport = { imported: [], skipped: [] };
  for (const [key, record] of Object.entries(parsed.data.API_KEYS)) {
    // A record naming another client created by it; "self" means nobody.
    const createdBy = record.clients?.find((c) => c !== 'self') ?? null;
    try {
      await users.addUser(
        {
          userId: record.user_id,
          username: record.username || record.user_id,
          plus: record.plus,
          admin: record.is_admin,
          client: record.is_client,
          existingKey: key,
        },
        createdBy,
      );
      report.imported.push(record.user_id);
    } catch (error) {
      report.skipped.push({
        userId: record.user_id,
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return report;
}
