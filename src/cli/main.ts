#!/usr/bin/env -S node --max-semi-space-size=8 --no-concurrent-recompilation --liftoff-only
// The flags above are how the production bundle runs (`npm start`, the installed command, the
// benchmark): V8 reads them only at start. They take ~45 MB off the peak for CPU within the
// benchmark's noise: 8 MB semi-spaces instead of 16, no compiler thread whose memory spikes
// under a sudden load, and WebAssembly (undici's HTTP parser) left to the baseline compiler,
// whose optimising compile of that parser took ~30 MB for a moment and kept ~10 MB
// (performance-rounds.md, the seventeenth and eighteenth rounds; DEPLOY.md says how to change
// them).
import { COMMANDS } from './commands.js';
import { ConfigError, formatConfigIssues } from '../config/index.js';
import { CliError } from './context.js';

function help(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(14)}${c.summary}`);
  return `Usage: chatgpt-api-server [command] [options]\n\nCommands:\n${lines.join('\n')}\n\nRun a command with --help for its options.`;
}

async function main(argv: string[]): Promise<void> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') return void console.log(help());
  // No command, or flags only: serve (so `npm start -- --port 5000` works).
  const name = first === undefined || first.startsWith('-') ? 'serve' : first;
  const args = name === first ? rest : argv;
  const command = COMMANDS[name];
  if (!command) throw new CliError(`unknown command '${name}'\n\n${help()}`, 2);
  if (args.includes('--help') || args.includes('-h'))
    return void console.log(`Usage: chatgpt-api-server ${command.usage}\n\n${command.summary}`);
  await command.run(args);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof CliError) {
    console.error(error.message);
    process.exit(error.exitCode);
  }
  // From settings.json, the flags or the environment (also the timing knobs read at start).
  if (error instanceof ConfigError) {
    console.error(`Invalid configuration:\n${formatConfigIssues(error.issues)}`);
    process.exit(2);
  }
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
