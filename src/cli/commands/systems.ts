import type { Command } from 'commander';
import { listAdapters } from '../../../systems/adapters/registry.js';
import { checkRequirements } from '../../../systems/adapters/requirements.js';
import { listSystems } from '../../../systems/registry.js';
import { MAELSTROM_DEFAULT_NODES, MAELSTROM_REFUSES, MAELSTROM_SYSTEM } from '../../maelstrom/config.js';
import { refusal } from '../../real/config.js';
import { COMMAND_SUMMARIES } from './summaries.js';

export function registerSystems(program: Command): void {
  program
    .command('systems')
    .description(COMMAND_SUMMARIES.systems.summary)
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
      const adapters = listAdapters().map((a) => {
        const requires = checkRequirements(a);
        return {
          name: a.name,
          mode: 'real' as const,
          description: a.description,
          defaultNodeCount: a.defaultNodeCount,
          workloads: [...a.workloads],
          options: a.options.map((o) => ({
            name: o.name,
            description: o.description,
            choices: o.choices,
            default: o.default,
          })),
          requires: requires.map((r) => ({ package: r.package, installed: r.installed, binaries: r.found })),
          installed: requires.every((r) => r.installed),
          refuses: Object.fromEntries(
            ['partition', 'kill', 'pause', 'clock', 'loss', 'duplication', 'disk']
              .map((k) => [k, refusal(a, k)] as const)
              .filter((x) => x[1] !== undefined),
          ),
        };
      });
      const maelstrom = {
        name: MAELSTROM_SYSTEM,
        mode: 'maelstrom' as const,
        description:
          'any Maelstrom node binary (--bin PATH, --bin-arg ARG): one process per node on the simulated network, with the lin-kv, seq-kv, lww-kv and lin-tso services',
        defaultNodeCount: MAELSTROM_DEFAULT_NODES,
        refuses: { ...MAELSTROM_REFUSES },
      };
      if (opts.json) {
        process.stdout.write(`${JSON.stringify([...systems, ...adapters, maelstrom])}\n`);
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
      process.stdout.write('\nadapters (real mode: real processes on 127.0.0.1, or --runtime docker):\n');
      for (const a of adapters) {
        process.stdout.write(
          `${a.name.padEnd(20)} ${a.description} (${a.defaultNodeCount} node${a.defaultNodeCount === 1 ? '' : 's'}; workloads: ${a.workloads.join(', ')})\n`,
        );
        for (const r of a.requires)
          process.stdout.write(
            `${''.padEnd(20)}   needs Debian package ${r.package}: ${r.installed ? `installed (${Object.values(r.binaries).join(', ')})` : `NOT installed (apt-get install -y ${r.package})`}\n`,
          );
        for (const o of a.options)
          process.stdout.write(
            `${''.padEnd(20)}   --${o.name} ${o.choices ? o.choices.join('|') : '<value>'}: ${o.description} (default ${o.default})\n`,
          );
        for (const [k, why] of Object.entries(a.refuses))
          process.stdout.write(`${''.padEnd(20)}   refuses nemesis ${k}: ${why}\n`);
      }
      process.stdout.write('\nMaelstrom binaries (real processes, simulated network, wall-clock time):\n');
      process.stdout.write(
        `${maelstrom.name.padEnd(20)} ${maelstrom.description} (${maelstrom.defaultNodeCount} node by default; any workload)\n`,
      );
      for (const [k, why] of Object.entries(maelstrom.refuses))
        process.stdout.write(`${''.padEnd(20)}   refuses nemesis ${k}: ${why}\n`);
    });
}
