import type { Kysely } from 'kysely';

/** turns.tool_calls: the function calls a turn's reply made (JSON), for /v1 calls with tools. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('turns').addColumn('tool_calls', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('turns').dropColumn('tool_calls').execute();
}
