import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { parseNumberFlag, UserError } from '../user-error.js';
import { COMMAND_SUMMARIES } from './summaries.js';

interface ServeFlags {
  store: string;
  port: string;
  host: string;
  json?: boolean;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(COMMAND_SUMMARIES.serve.summary)
    .option('--store <dir>', 'the store to serve', 'store')
    .option('--port <n>', 'TCP port (0: any free port)', '8080')
    .option('--host <address>', 'address to listen on (127.0.0.1: this machine only)', '127.0.0.1')
    .option('--json', 'print {"url": …} as JSON once listening')
    .addHelpText(
      'after',
      `
Stops on Ctrl-C. Nothing in the store is written; paths outside it are refused.

Examples:
  $ faultline serve
  $ faultline serve --store A --port 0`,
    )
    .action(async (flags: ServeFlags) => {
      process.exitCode = await runServe(flags);
    });
}

async function runServe(flags: ServeFlags): Promise<number> {
  const port = parseNumberFlag('--port', flags.port, { integer: true, min: 0, max: 65535 });
  try {
    if (!statSync(flags.store).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new UserError(
      `--store: ${flags.store} is not a directory (run \`faultline run\` first, or name a store)`,
    );
  }
  const { startServer } = await import('../../report/serve.js');
  let running: Awaited<ReturnType<typeof startServer>>;
  try {
    running = await startServer({ storeDir: flags.store, port, host: flags.host });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new UserError(`--port: ${port} is already in use on ${flags.host}; try --port 0`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw new UserError(`--host: cannot listen on ${flags.host} (${code})`);
    if (code === 'EACCES') throw new UserError(`--port: not allowed to listen on port ${port}`);
    throw err;
  }
  if (flags.json) process.stdout.write(`${JSON.stringify({ url: running.url, store: flags.store })}\n`);
  else process.stdout.write(`serving ${flags.store} at ${running.url} (read only; Ctrl-C to stop)\n`);
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void running.close().then(done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}
