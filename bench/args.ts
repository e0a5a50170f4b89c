/** The value after `--name` in a benchmark's arguments (`--seconds 15`), or undefined when absent. */
export function option(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}
