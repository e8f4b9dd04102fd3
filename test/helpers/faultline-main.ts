/** The CLI from source, for tests that start it as a process: `node --import tsx test/helpers/faultline-main.ts …`. */
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
