import type { Command } from 'commander';
import { findChecker } from '../../../checkers/registry.js';
import { listWorkloads } from '../../../workloads/registry.js';
import { COMMAND_SUMMARIES } from './summaries.js';

export function registerWorkloads(program: Command): void {
  program
    .command('workloads')
    .description(COMMAND_SUMMARIES.workloads.summary)
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }) => {
      const workloads = listWorkloads().map((w) => ({
        name: w.name,
        description: w.description,
        checker: w.checker.name,
        checkerOptions: w.checker.options,
        checkerRegistered: findChecker(w.checker.name) !== undefined,
      }));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(workloads)}\n`);
        return;
      }
      for (const w of workloads) {
        const note = w.checkerRegistered ? '' : ' — not registered yet, a weaker fallback check runs';
        const model = w.checkerOptions.model ? ` --model ${w.checkerOptions.model}` : '';
        process.stdout.write(
          `${w.name.padEnd(20)} ${w.description} (checker: ${w.checker}${model}${note})\n`,
        );
      }
    });
}
