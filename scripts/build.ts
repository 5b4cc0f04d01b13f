/**
 * The production build: the server and its pure-JavaScript dependencies bundled into one
 * minified ES module, `dist/main.js` (`npm run build`; `npm start` runs it).
 *
 * Why a bundle (docs/performance-rounds.md, the seventeenth round): Node's module loader keeps a
 * record, a source string and compiled wrappers for each of the ~950 modules the server
 * loads (~210 of them ours); as one minified file the process holds 15–25 MB less at rest and
 * ~25 MB less at its peak under load, and spends no more CPU per request.
 *
 * Left out of the bundle and loaded from node_modules at run time:
 * - better-sqlite3: a native addon;
 * - the packages `src/lazy-require.ts` loads on first use (pg, ioredis, the Markdown renderer,
 *   the SOCKS client), so a process that never needs them never holds them;
 * - pino-pretty, which pino starts in a worker by name (development only).
 * The type check is not part of the build: `npm test` runs it.
 */
import { build, type BuildResult } from 'esbuild';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ENTRY = path.join(ROOT, 'src/cli/main.ts');
export const DEFAULT_OUTFILE = path.join(ROOT, 'dist/main.js');

export const EXTERNAL_PACKAGES = [
  'better-sqlite3',
  'pg',
  'ioredis',
  'marked',
  'sanitize-html',
  'fetch-socks',
  'socks',
  'pino-pretty',
];

// Bundled CommonJS packages call `require` for Node's built-ins; an ES module has none.
const REQUIRE_SHIM =
  "import { createRequire as __createRequire } from 'node:module';\n" +
  'const require = __createRequire(import.meta.url);';

export async function buildServer(
  // minify: false keeps names and one module per commented section, for profiles (bench:variant).
  options: { outfile?: string; minify?: boolean } = {},
): Promise<BuildResult<{ metafile: true }>> {
  return build({
    entryPoints: [ENTRY],
    outfile: options.outfile ?? DEFAULT_OUTFILE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    external: EXTERNAL_PACKAGES,
    banner: { js: REQUIRE_SHIM },
    minify: options.minify ?? true,
    // Node prints the source line of an uncaught error: a line, not the whole file.
    lineLimit: 160,
    sourcemap: 'linked',
    legalComments: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildServer();
}
