import { describe, expect, it } from 'vitest';
import { resolveRealConfig } from '../../src/real/config.js';
import { ConfigError } from '../../src/runner/config.js';
import { checkRequirements, missingPackagesMessage } from '../../systems/adapters/requirements.js';
import type { AdapterDescription } from '../../systems/adapters/types.js';
import { runCli } from '../helpers/cli.js';

/** Real-mode configuration: checked before anything starts, every mistake named. */
describe('real-mode configuration', () => {
  it('fills the adapter defaults and keeps the runtime and options for the replay command', () => {
    const { config } = resolveRealConfig({ system: 'postgres', workload: 'list-append', seed: 1 });
    expect(config).toMatchObject({
      runtime: 'local',
      adapterOptions: { isolation: 'serializable' },
      nodes: 1,
    });
  });

  it('refuses faults real mode cannot inject, by name and with the reason', () => {
    expect(() => resolveRealConfig({ system: 'etcd', seed: 1, nemesis: ['clock', 'disk'] })).toThrow(
      /cannot inject clock, disk into etcd: clock: etcd is a Go program.*disk: losing unsynced writes/,
    );
    expect(() => resolveRealConfig({ system: 'redis', seed: 1, nemesis: ['duplication'] })).toThrow(/TCP/);
  });

  it('names a wrong option, value, workload or node count', () => {
    const bad: [Parameters<typeof resolveRealConfig>[0], RegExp][] = [
      [
        { system: 'postgres', workload: 'list-append', seed: 1, adapterOptions: { isolation: 'snapshot' } },
        /--isolation: 'snapshot' is not one of read-committed, repeatable-read, serializable/,
      ],
      [
        { system: 'postgres', workload: 'list-append', seed: 1, adapterOptions: { 'read-mode': 'x' } },
        /postgres has no option --read-mode; its options: --isolation/,
      ],
      [
        { system: 'etcd', workload: 'list-append', seed: 1 },
        /does not serve workload list-append; it serves: register/,
      ],
      [{ system: 'postgres', workload: 'list-append', seed: 1, nodes: 5 }, /runs 1 to 3 nodes, not 5/],
      [{ system: 'redis', seed: 1, adapterOptions: { wait: 'many' } }, /--wait: must be a whole number/],
    ];
    for (const [partial, message] of bad) {
      expect(() => resolveRealConfig(partial)).toThrow(ConfigError);
      expect(() => resolveRealConfig(partial)).toThrow(message);
    }
  });

  it('a missing package is named, with the command that installs it', () => {
    const fake: AdapterDescription = {
      name: 'fakedb',
      description: '',
      workloads: ['register'],
      defaultNodeCount: 1,
      nodeCounts: { min: 1, max: 1 },
      options: [],
      requires: [
        { package: 'fakedb-server', binaries: ['/nonexistent/*/bin/fakedb'] },
        { package: 'coreutils', binaries: ['/bin/ls'] },
      ],
    };
    expect(checkRequirements(fake).map((r) => [r.package, r.installed])).toEqual([
      ['fakedb-server', false],
      ['coreutils', true],
    ]);
    expect(missingPackagesMessage(fake)).toBe(
      'fakedb needs the Debian package fakedb-server (fakedb not found); install with: apt-get install -y fakedb-server',
    );
  });

  it('the CLI refuses adapter flags for simulated systems and simulated flags for adapters (exit 254)', async () => {
    const a = await runCli(['run', '--system', 'raft', '--isolation', 'serializable']);
    expect(a.code).toBe(254);
    expect(a.stderr).toContain('--isolation is an option of postgres, not of the simulated system raft');
    const b = await runCli(['run', '--system', 'postgres', '--workload', 'list-append', '--bug', 'x']);
    expect(b.code).toBe(254);
    expect(b.stderr).toContain('no bug knobs');
    const c = await runCli(['run', '--system', 'postgres', '--runtime', 'vm']);
    expect(c.code).toBe(254);
    expect(c.stderr).toContain('--runtime');
  });
});
