import { counterWorkload } from '../pn-counter/index.js';

/** Maelstrom's g-counter: the pn-counter's non-negative deltas, 0 … 4 (each equally likely, as its filter leaves them). */
export const gCounterWorkload = counterWorkload(
  'g-counter',
  "Maelstrom's grow-only counter: add deltas >= 0, read the sum; every read a reachable sum (counter)",
  (rng) => rng.int(5),
);
