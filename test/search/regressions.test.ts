import { join } from 'node:path';
import { replayRegressions } from '../../src/vitest/index.js';
import { REPO_ROOT } from '../helpers/paths.js';

/** The repository's own saved scenarios (one shrunk failure per Raft bug knob) replay as saved. */
replayRegressions(join(REPO_ROOT, 'regressions'));
