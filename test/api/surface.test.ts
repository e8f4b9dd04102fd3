import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { PUBLIC_NAMES, VITEST_NAMES } from './surface.js';

/** Every name a module exports, types included, as the compiler sees it. */
function exportedNames(file: string): string[] {
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file)!;
  const symbol = checker.getSymbolAtLocation(source)!;
  return checker
    .getExportsOfModule(symbol)
    .map((s) => s.getName())
    .sort();
}

const sorted = (names: readonly string[]) => [...names].sort();

describe('the public API', () => {
  it('src/index.ts exports exactly the listed names (a leak or a loss fails here)', () => {
    expect(exportedNames(join(REPO_ROOT, 'src', 'index.ts'))).toEqual(sorted(PUBLIC_NAMES));
  }, 60_000);

  it('faultline/vitest exports exactly the listed names', () => {
    expect(exportedNames(join(REPO_ROOT, 'src', 'vitest', 'index.ts'))).toEqual(sorted(VITEST_NAMES));
  }, 60_000);

  it('every listed value is there at run time', () => {
    const values = Object.keys(api).sort();
    for (const v of values) expect(PUBLIC_NAMES).toContain(v);
    expect(values).toContain('run');
    expect(values).toContain('defineSystem');
  });

  it('package.json exports "." and "./vitest" with types, and the version is in CHANGELOG.md', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      version: string;
      exports: Record<string, Record<string, string>>;
      dependencies: Record<string, string>;
    };
    expect(pkg.exports['.']).toEqual({
      'faultline:source': './src/index.ts',
      types: './dist/src/index.d.ts',
      default: './dist/src/index.js',
    });
    expect(pkg.exports['./vitest'].types).toBe('./dist/src/vitest/index.d.ts');
    // Plug-in modules in TypeScript are compiled by tsx in users' installs too.
    expect(pkg.dependencies.tsx).toBeDefined();
    const changelog = readFileSync(join(REPO_ROOT, 'CHANGELOG.md'), 'utf8');
    expect(changelog).toContain(`## ${pkg.version}`);
  });
});
