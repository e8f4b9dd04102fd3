/**
 * Everything a real run starts is registered here the moment it exists,
 * and undone in reverse order at the end — after a normal run, a failure,
 * or a signal. Each undo step is bounded in time; one that fails or hangs
 * does not stop the others.
 */
export class Cleanup {
  private readonly steps: { name: string; fn: () => Promise<void> | void }[] = [];
  private running: Promise<string[]> | undefined;

  /** Register an undo step; returns a function that drops it (the resource was released early). */
  add(name: string, fn: () => Promise<void> | void): () => void {
    const step = { name, fn };
    this.steps.push(step);
    return () => {
      const i = this.steps.indexOf(step);
      if (i !== -1) this.steps.splice(i, 1);
    };
  }

  get size(): number {
    return this.steps.length;
  }

  /** Run every step, newest first; resolves with the problems met (empty when all went well). Idempotent. */
  run(stepTimeoutMs = 15_000): Promise<string[]> {
    this.running ??= (async () => {
      const problems: string[] = [];
      while (this.steps.length > 0) {
        const step = this.steps.pop()!;
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            Promise.resolve().then(step.fn),
            new Promise<void>((_, reject) => {
              timer = setTimeout(
                () => reject(new Error(`did not finish within ${stepTimeoutMs} ms`)),
                stepTimeoutMs,
              );
            }),
          ]);
        } catch (err) {
          problems.push(`${step.name}: ${err instanceof Error ? err.message : String(err)}`);
        } finally {
          clearTimeout(timer);
        }
      }
      return problems;
    })();
    return this.running;
  }
}

export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';
const STOP_SIGNALS: readonly StopSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * While installed, Ctrl-C, SIGTERM and SIGHUP call `onSignal` instead of
 * ending the process at once, so the run can stop its nodes first. Returns
 * the function that uninstalls the handlers.
 */
export function interceptStopSignals(onSignal: (sig: StopSignal) => void): () => void {
  const handlers = STOP_SIGNALS.map((sig) => {
    const h = () => onSignal(sig);
    process.on(sig, h);
    return [sig, h] as const;
  });
  return () => {
    for (const [sig, h] of handlers) process.off(sig, h);
  };
}

/** Exit status of a process ended by `sig` (128 + its number), as shells report it. */
export function signalExitCode(sig: StopSignal): number {
  return 128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const)[sig];
}
