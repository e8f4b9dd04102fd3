/**
 * What `faultline --help` lists for each command, in its order: the usage
 * term and the one-line summary. Each command's module takes its description
 * from here, and the top-level help is built from this table without loading
 * any command's module (test/cli/consistency.test.ts holds the terms to the
 * modules' arguments).
 */
export const COMMAND_SUMMARIES = {
  validate: {
    term: 'validate [options] <files...>',
    summary:
      'check that history files are well-formed (exit 0), else print every problem in every file as FILE:LINE (exit 254)',
  },
  convert: {
    term: 'convert [options] <file>',
    summary: 'convert a history to JSONL or Jepsen EDN on stdout, keeping every field',
  },
  check: {
    term: 'check [options] <files...>',
    summary: 'check histories with a checker; exit 0 valid, 1 invalid, 2 unknown, 254 bad input',
  },
  checkers: {
    term: 'checkers [options]',
    summary: 'list the checkers `faultline check --checker` accepts, with their models',
  },
  run: {
    term: 'run [options]',
    summary:
      'run one seeded test: workload + nemesis against a bundled system (simulated), a real database (adapter) or a Maelstrom node binary, then check the history',
  },
  report: {
    term: 'report [options] [run-dir-or-history]',
    summary:
      'write report.html for a stored run (timeline, verdicts, failing window, anomaly cycles, latency and throughput), or for a history file and its check',
  },
  serve: {
    term: 'serve [options]',
    summary: 'browse a store in a web browser: runs, verdicts, reports, histories (read only)',
  },
  search: {
    term: 'search [options]',
    summary:
      'seeded failure search: run many seeds, each under its own drawn (swarm) configuration, then shrink and save what fails',
  },
  shrink: {
    term: 'shrink [options] <file>',
    summary:
      'shrink a failing scenario: fewer operations, clients, faults and nodes, shorter time, same anomaly',
  },
  replay: {
    term: 'replay [options] <paths...>',
    summary: 're-run saved scenarios (regression files) and compare verdict, anomaly and history hash',
  },
  systems: {
    term: 'systems [options]',
    summary:
      'list what `faultline run --system` accepts: bundled simulated systems (options, bug knobs), real-database adapters (what each needs installed, and whether it is), and maelstrom (any Maelstrom node binary)',
  },
  workloads: {
    term: 'workloads [options]',
    summary: 'list the workloads `faultline run --workload` accepts, with the checker each uses',
  },
  nemeses: {
    term: 'nemeses [options]',
    summary:
      'list the fault kinds `faultline run --nemesis` accepts (comma-separated, or all) and the partition shapes of `--partition-modes`',
  },
} as const;

export type CommandName = keyof typeof COMMAND_SUMMARIES;
