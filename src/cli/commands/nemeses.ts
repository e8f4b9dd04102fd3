import type { Command } from 'commander';
import {
  ALL_PARTITION_MODES,
  NEMESIS_DESCRIPTIONS,
  NEMESIS_KINDS,
  PARTITION_MODE_DESCRIPTIONS,
  PARTITION_MODES,
} from '../../nemesis/nemesis.js';
import { COMMAND_SUMMARIES } from './summaries.js';

export function registerNemeses(program: Command): void {
  program
    .command('nemeses')
    .description(COMMAND_SUMMARIES.nemeses.summary)
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }) => {
      const kinds = NEMESIS_KINDS.map((k) => ({ name: k, description: NEMESIS_DESCRIPTIONS[k] }));
      const partitionModes = ALL_PARTITION_MODES.map((m) => ({
        name: m,
        description: PARTITION_MODE_DESCRIPTIONS[m],
        default: (PARTITION_MODES as readonly string[]).includes(m),
      }));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ kinds, partitionModes })}\n`);
        return;
      }
      for (const k of kinds) process.stdout.write(`${k.name.padEnd(20)} ${k.description}\n`);
      process.stdout.write(`${'all'.padEnd(20)} every kind above\n`);
      process.stdout.write('\npartition modes (--partition-modes; * = drawn from by default):\n');
      for (const m of partitionModes)
        process.stdout.write(`${m.default ? '*' : ' '} ${m.name.padEnd(18)} ${m.description}\n`);
    });
}
