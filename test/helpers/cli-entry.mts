// The CLI from source, for tests that must run it as its own process (signals, exit codes).
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
