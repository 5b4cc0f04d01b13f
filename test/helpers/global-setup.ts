/**
 * Starts the services shared by the whole test run (one PostgreSQL server) and hands their
 * addresses to tests through vitest's provide/inject.
 */
import type { TestProject } from 'vitest/node';
import { findPostgresBin, startPostgres, type PostgresServer } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the shared PostgreSQL server, or '' when PostgreSQL is not installed here. */
    pgUrl: string;
  }
}

let postgres: PostgresServer | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const bin = findPostgresBin();
  if (!bin) {
    if (process.env.CI === 'true')
      throw new Error(
        'PostgreSQL binaries (initdb, postgres) are required under CI=true; install the postgresql package',
      );
    console.warn(
      '\n[tests] PostgreSQL is not installed: every PostgreSQL test will be SKIPPED. Install the postgresql package to run them.\n',
    );
    project.provide('pgUrl', '');
  } else {
    postgres = await startPostgres(bin);
    project.provide('pgUrl', postgres.url);
  }
  return async () => {
    await postgres?.stop();
  };
}
