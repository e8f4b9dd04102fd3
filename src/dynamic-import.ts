/**
 * `import(specifier)` for modules outside the code (plug-ins, tsx), by way of
 * the launcher when it ran the code as a script: bin/faultline.js runs the
 * CLI from CommonJS bundles through node:vm, to start them from V8's code
 * cache (scripts/code-cache.mjs), and a vm script's own import() needs
 * --experimental-vm-modules on node 20. The launcher, a module node loaded
 * itself, lends its import() under this symbol; elsewhere the module's own is
 * used.
 */
const LAUNCHER_IMPORT = Symbol.for('faultline.import');

type WithImport = { [LAUNCHER_IMPORT]?: (specifier: string) => Promise<unknown> };

export function importFromOutside(specifier: string): Promise<unknown> {
  const lent = (globalThis as WithImport)[LAUNCHER_IMPORT];
  return lent !== undefined ? lent(specifier) : import(specifier);
}
