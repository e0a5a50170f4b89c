/**
 * How each kind of environment variable is read: the parsers the configuration TABLE is built from.
 * Each throws `Bad` with what it expected and what it received; loadConfig gathers them.
 */
import { parsePlanLimits, type Plan, type PlanLimits } from './plans';

export type Parser<T> = (raw: string | undefined, env: Env) => T;
export type Env = Record<string, string | undefined>;

export class Bad extends Error {}

export const str =
  (def: string): Parser<string> =>
  (raw) =>
    raw === undefined || raw === '' ? def : raw;
export const optStr: Parser<string | undefined> = (raw) => (raw === undefined || raw === '' ? undefined : raw);
export const port =
  (def: number): Parser<number> =>
  (raw) => {
    if (raw === undefined || raw === '') return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Bad(`expected a port number 0-65535, received "${raw}"`);
    return n;
  };
export const optUrl: Parser<string | undefined> = (raw) => {
  if (raw === undefined || raw === '') return undefined;
  try {
    new URL(raw);
  } catch {
    throw new Bad(`expected a URL, received "${raw}"`);
  }
  return raw;
};
export const subgraphUrl =
  (portVar: string, def: number): Parser<string> =>
  (raw, env) => {
    if (raw !== undefined && raw !== '') return optUrl(raw, env)!;
    return `http://127.0.0.1:${port(def)(env[portVar], env)}/graphql`;
  };
export const int =
  (def: number, min: number, max: number): Parser<number> =>
  (raw) => {
    if (raw === undefined || raw === '') return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Bad(`expected a whole number from ${min} to ${max}, received "${raw}"`);
    return n;
  };
export const origins =
  (def: string[]): Parser<string[]> =>
  (raw) => {
    if (raw === undefined || raw === '') return def;
    const list = raw
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean);
    for (const o of list) {
      if (o === '*') continue;
      try {
        if (new URL(o).origin !== o) throw new Error();
      } catch {
        throw new Bad(
          `expected a comma-separated list of origins like https://app.example.com (or *), received "${o}"`,
        );
      }
    }
    return list;
  };
export const ratio =
  (def: number): Parser<number> =>
  (raw) => {
    if (raw === undefined || raw === '') return def;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0 || n > 1) throw new Bad(`expected a number from 0 to 1, received "${raw}"`);
    return n;
  };
/** One Sentinel (or any) address. */
export interface HostPort {
  host: string;
  port: number;
}
/** Progressive-override labels, comma-separated: each a letter, then letters, digits and `_-:./` (composition's rule). */
export const labels: Parser<string[]> = (raw) => {
  if (raw === undefined || raw.trim() === '') return [];
  return raw.split(',').map((part) => {
    const label = part.trim();
    if (!/^[A-Za-z][A-Za-z0-9_\-:./]*$/.test(label))
      throw new Bad(`expected comma-separated labels (a letter, then letters, digits, _ - : . /), received "${label}"`);
    return label;
  });
};
export const hostPorts: Parser<HostPort[]> = (raw) => {
  if (raw === undefined || raw.trim() === '') return [];
  return raw.split(',').map((part) => {
    const m = /^\s*(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})\s*$/.exec(part);
    const n = Number(m?.[2]);
    if (!m || n < 1 || n > 65535)
      throw new Bad(`expected a comma-separated list of host:port, received "${part.trim()}"`);
    return { host: m[1]!.replace(/^\[|\]$/g, ''), port: n };
  });
};
export const oneOf =
  <T extends string>(values: readonly T[], def: T): Parser<T> =>
  (raw) => {
    if (raw === undefined || raw === '') return def;
    if (!values.includes(raw as T)) throw new Bad(`expected one of ${values.join(', ')}, received "${raw}"`);
    return raw as T;
  };
export const bool =
  (def: (env: Env) => boolean): Parser<boolean> =>
  (raw, env) => {
    if (raw === undefined || raw === '') return def(env);
    if (['true', '1', 'yes'].includes(raw.toLowerCase())) return true;
    if (['false', '0', 'no'].includes(raw.toLowerCase())) return false;
    throw new Bad(`expected true or false, received "${raw}"`);
  };
export const production = (env: Env): boolean => env.NODE_ENV === 'production';

export const planLimits =
  (plan: Plan): Parser<PlanLimits> =>
  (raw) => {
    try {
      return parsePlanLimits(plan, raw);
    } catch (err) {
      throw new Bad((err as Error).message);
    }
  };
