/** One cleanup step: closes something that was opened. */
export type CleanupStep = () => Promise<unknown> | unknown;

/**
 * What a process opened, closed in reverse: a step added after another (its resource may use the
 * earlier one) runs before it. `close()` runs every step even when one throws, hands every later
 * caller the same promise (so closing twice never runs a step twice), and rejects with the one
 * failure, or an AggregateError of them all.
 */
export class CleanupStack {
  private readonly steps: CleanupStep[] = [];
  private closing: Promise<void> | undefined;

  /** Adds a step, to run before every step added earlier. Added after close() began, it is not run. */
  defer(step: CleanupStep): void {
    this.steps.push(step);
  }

  /** Runs every step last-in-first-out, once; reports the failures together. */
  close(): Promise<void> {
    return (this.closing ??= this.run());
  }

  private async run(): Promise<void> {
    const failures: unknown[] = [];
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step();
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, 'several cleanup steps failed');
  }
}
