import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * vitest globalSetup: every temporary file of a test run goes under one
 * folder of its own (TMPDIR, which os.tmpdir() and the child processes the
 * tests start read), removed when the run ends, so a run (passing or not)
 * leaves nothing behind in the system's temporary folder, whatever a test
 * forgot to delete.
 */
export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const dir = mkdtempSync(join(tmpdir(), 'faultline-test-run-'));
  // As /tmp is: the servers a real-database test starts run as their own users (postgres) and write here too.
  chmodSync(dir, 0o1777);
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      // A folder a test made read-only to a non-root user, say: say where it is, do not fail the run.
      process.stderr.write(
        `test run: could not remove ${dir}: ${err instanceof Error ? err.message : String(err)}\n`,
      );
    }
  };
}
