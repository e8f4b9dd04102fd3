import type { Command } from 'commander';
import { listSystems } from '../../../systems/registry.js';

export function registerSystems(program: Command): void {
  program
    .command('systems')
    .description(
      'list the bundled systems `faultline run --system` accepts, with their options and bug knobs',
    )
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }) => {
      const systems = listSystems().map((s) => ({
        name: s.name,
        description: s.description,
        defaultNodeCount: s.defaultNodeCount,
        workloads: [...s.workloads],
        bugs: s.bugs.map((b) => ({ name: b.name, description: b.description })),
        options: (s.options ?? []).map((o) => ({ name: o.name, description: o.description })),
      }));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(systems)}\n`);
        return;
      }
      for (const s of systems) {
        process.stdout.write(
          `${s.name.padEnd(20)} ${s.description} (${s.defaultNodeCount} node${s.defaultNodeCount === 1 ? '' : 's'}; workloads: ${s.workloads.join(', ')})\n`,
        );
        for (const o of s.options)
          process.stdout.write(`${''.padEnd(20)}   --system-option ${o.name}: ${o.description}\n`);
        for (const b of s.bugs)
          process.stdout.write(`${''.padEnd(20)}   --bug ${b.name}: ${b.description}\n`);
      }
    });
}
