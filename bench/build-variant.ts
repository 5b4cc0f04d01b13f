/**
 * `npm run bench:variant -- OUT [--node-flags="..."] [--no-minify] [--heap-sample]`: the
 * production bundle of the current src/ written to OUT/dist/main.js, for `npm run bench:compare`.
 * Node flags are added to the bundle's first line, which is how the benchmark and `npm start`
 * start it: `--cpu-prof --cpu-prof-dir=DIR` for V8's profile, `--perf-basic-prof` for Linux perf,
 * or a flag being tried. `--no-minify` keeps function names and the bundle's per-module comments.
 * `--heap-sample` preloads bench/heap-sampler.mjs, for `bench:compare -- --heap-sample DIR`.
 */
import { readFile, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { buildServer } from '../scripts/build.js';
import { HEAP_SAMPLER } from './heap-sample.js';
import { hashbangNodeFlags } from './ours.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export const VARIANT_USAGE =
  'Usage: npm run bench:variant -- OUT_DIR [--node-flags="--flag ..."] [--no-minify] [--heap-sample]';

/** The bundle's first line with `extraFlags` appended to the Node flags it names. */
export function addNodeFlags(bundle: string, extraFlags: string): string {
  const flags = extraFlags.split(/\s+/).filter(Boolean);
  if (flags.some((flag) => !flag.startsWith('-'))) throw new Error(`not a Node flag list: "${extraFlags}"`);
  const end = bundle.indexOf('\n');
  if (!bundle.startsWith('#!') || end < 0) throw new Error('the bundle does not start with a #! line');
  return [bundle.slice(0, end), ...flags].join(' ') + bundle.slice(end);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: {
      'node-flags': { type: 'string', default: '' },
      'no-minify': { type: 'boolean', default: false },
      'heap-sample': { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new Error(VARIANT_USAGE);
  const outDir = resolve(positionals[0]!);
  const outfile = join(outDir, 'dist', 'main.js');
  await buildServer({ outfile, minify: !values['no-minify'] });
  // The packages left out of the bundle (better-sqlite3, ...) are found from the bundle's place.
  const modules = join(outDir, 'node_modules');
  if (!existsSync(modules)) await symlink(join(REPO_ROOT, 'node_modules'), modules, 'dir');
  const sampler = values['heap-sample'] ? ` --import=${join(REPO_ROOT, 'bench', HEAP_SAMPLER)}` : '';
  await writeFile(outfile, addNodeFlags(await readFile(outfile, 'utf8'), values['node-flags'] + sampler));
  console.log(`${outfile}: node ${hashbangNodeFlags(outfile).join(' ')}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
