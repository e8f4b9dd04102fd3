import type { Command } from 'commander';
import { NEMESIS_DESCRIPTIONS, NEMESIS_KINDS } from '../../nemesis/nemesis.js';

export function registerNemeses(program: Command): void {
  program
    .command('nemeses')
    .description('list the fault kinds `faultline run --nemesis` accepts (comma-separated, or all)')
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }) => {
      const kinds = NEMESIS_KINDS.map((k) => ({ name: k, description: NEMESIS_DESCRIPTIONS[k] }));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(kinds)}\n`);
        return;
      }
      for (const k of kinds) process.stdout.write(`${k.name.padEnd(20)} ${k.description}\n`);
      process.stdout.write(`${'all'.padEnd(20)} every kind above\n`);
    });
}
