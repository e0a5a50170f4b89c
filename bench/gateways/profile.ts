import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives: a package under node_modules, Node's own, or the project. */
function placeOf(url: string): string {
  if (!url) return '(native)';
  if (url.startsWith('node:')) return 'node';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  // The workspace's own packages (the embedded MongoDB server) count as one package each.
  const own = /\/packages\/([^/]+)\//.exec(url);
  if (own) return `@hiregraph/${own[1]}`;
  return url.replace(/^file:\/\//, '').replace(/^.*?\/(gateway|shared|bench|subgraphs|scripts|packages)\//, '$1/');
}

/**
 * Self time of a `.cpuprofile` (what `node --cpu-prof` writes), summed per function and per
 * package: each one's share of the busy (not idle) time it was on top of the stack.
 */
export function summarizeProfile(
  profile: CpuProfile,
  top = 15,
  /** The 1-based source line of a position in the code V8 ran (0-based), where it has one (a source map). */
  locate?: (url: string, line: number, column: number) => number | undefined,
): { functions: string[][]; packages: string[][] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  let total = 0;
  const fns = new Map<string, number>();
  const pkgs = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber, columnNumber } = byId.get(id)!.callFrame;
    // Shares of busy time: a gateway waits while the others are measured.
    if (functionName === '(idle)') continue;
    total += us;
    const place = placeOf(url);
    const line = (url && locate?.(url, lineNumber, columnNumber ?? 0)) || lineNumber + 1;
    const key = `${functionName || '(anonymous)'} ${place}${url ? `:${line}` : ''}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    pkgs.set(place, (pkgs.get(place) ?? 0) + us);
  }
  const rows = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => [k, `${((100 * us) / (total || 1)).toFixed(1)}%`]);
  return { functions: rows(fns), packages: rows(pkgs) };
}

/** Microseconds a profile spent not idle. */
function busyUs(profile: CpuProfile): number {
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  return profile.samples.reduce((a, id, i) => a + (idle.has(id) ? 0 : (profile.timeDeltas[i] ?? 0)), 0);
}

/** Of the profiles a process wrote into a directory (one per thread), the busiest. */
export function busiestProfile(dir: string): CpuProfile {
  const profiles = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile);
  if (!profiles.length) throw new Error(`no .cpuprofile in ${dir}`);
  return profiles.reduce((a, b) => (busyUs(b) > busyUs(a) ? b : a));
}

/**
 * The samples of a profile taken inside the given windows of the monotonic clock (microseconds, as
 * `process.hrtime` reads it in any process of the machine; V8 stamps samples on the same clock), so
 * start-up and the other gateway's rounds are left out.
 */
export function withinWindows(profile: CpuProfile, windows: Array<[number, number]>): CpuProfile {
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i] ?? 0;
    if (windows.some(([from, to]) => t >= from && t <= to)) {
      samples.push(id);
      timeDeltas.push(profile.timeDeltas[i] ?? 0);
    }
  });
  return { ...profile, samples, timeDeltas };
}
