/**
 * Runs a suite's command-line entry: exits with the code `main` resolves to; on a crash, says so
 * on stderr and ends with the line `0 passed, 1 failed` that CI and readers look for.
 */
export function runSuite(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${name}: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.stdout.write('0 passed, 1 failed\n');
      process.exit(1);
    },
  );
}
