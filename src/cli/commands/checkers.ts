import type { Command } from 'commander';
import { listCheckers } from '../../../checkers/registry.js';
import { COMMAND_SUMMARIES } from './summaries.js';

export function registerCheckers(program: Command): void {
  program
    .command('checkers')
    .description(COMMAND_SUMMARIES.checkers.summary)
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }) => {
      const checkers = listCheckers().map((c) => ({
        name: c.name,
        description: c.description,
        models: c.models ?? [],
      }));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(checkers)}\n`);
        return;
      }
      for (const c of checkers) {
        const models = c.models.length > 0 ? `  (models: ${c.models.join(', ')})` : '';
        process.stdout.write(`${c.name.padEnd(20)} ${c.description}${models}\n`);
      }
    });
}
