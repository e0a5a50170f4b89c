import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { table } from '../stats';
import { busiestProfile, summarizeProfile, withinWindows } from '../gateways/profile';

/** A process's profile directory and the windows (monotonic µs) whose samples to summarize; all of them without. */
export interface ProfileOf {
  title: string;
  dir: string | undefined;
  windows?: Array<[number, number]>;
}

/** The monotonic clock in microseconds, as V8 stamps a profile's samples. */
export function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * Source lines for the project's TypeScript as tsx ran it: tsx puts each file's code on one line and
 * keeps its source map in its cache (tmpdir/tsx-<uid>, one JSON per file version, the newest used).
 * Without this every function of a file would be reported at line 2.
 */
function tsxLocator(): (url: string, line: number, column: number) => number | undefined {
  const newest = new Map<string, { mtime: number; file: string }>();
  const dir = join(tmpdir(), `tsx-${userInfo().uid}`);
  let files: string[] = [];
  try {
    files = readdirSync(dir);
  } catch {
    // No cache: lines as V8 saw them.
  }
  for (const f of files) {
    const file = join(dir, f);
    const stat = statSync(file, { throwIfNoEntry: false });
    // The cache also holds tsx's IPC pipes; only its JSON files have a path at their start.
    if (!stat?.isFile()) continue;
    const head = Buffer.alloc(1000);
    const fd = openSync(file, 'r');
    const length = readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    const path = /^\{"code":"__filename=\\"([^\\]+)\\"/.exec(head.toString('utf8', 0, length))?.[1];
    if (path && (newest.get(path)?.mtime ?? -1) < stat.mtimeMs) newest.set(path, { mtime: stat.mtimeMs, file });
  }
  const maps = new Map<string, SourceMap | null>();
  return (url, line, column) => {
    if (!url.startsWith('file://') || !url.endsWith('.ts')) return undefined;
    const path = fileURLToPath(url);
    if (!maps.has(path)) {
      const entry = newest.get(path);
      const map = entry && (JSON.parse(readFileSync(entry.file, 'utf8')) as { map?: SourceMapPayload }).map;
      maps.set(path, map ? new SourceMap(map) : null);
    }
    const found = maps.get(path)?.findEntry(line, column);
    return found && 'originalLine' in found ? found.originalLine + 1 : undefined;
  };
}

/**
 * Each profile's leading self-time entries inside its windows (the measured runs only: not start-up,
 * seeding, warm-ups or the other gateway's rounds), by function and by package, as shares of busy time.
 */
export function profileSections(profiles: ProfileOf[], top = 12): string[] {
  const locate = tsxLocator();
  return profiles.flatMap(({ title, dir, windows }) => {
    if (!dir) return [];
    const whole = busiestProfile(dir);
    const measured = windows && withinWindows(whole, windows);
    // Were the clocks not the same, no sample would fall inside: say so rather than print nothing.
    const profile = measured?.samples.length ? measured : whole;
    const { functions, packages } = summarizeProfile(profile, top, locate);
    const seconds = (profile.timeDeltas.reduce((a, d) => a + d, 0) / 1e6).toFixed(1);
    const span = !windows
      ? 'whole process'
      : measured?.samples.length
        ? `${seconds} s of measured runs`
        : 'whole process: no sample fell inside the runs';
    return [
      `#### Profile: ${title} (self time, share of busy samples; ${span})`,
      '',
      table(['function', 'self'], functions),
      '',
      table(['package or file', 'self'], packages.slice(0, 8)),
      '',
    ];
  });
}
