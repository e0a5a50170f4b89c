import { badValue } from '../errors';

/** A JS RegExp for a BSON regex (pattern + MongoDB option letters). */
export function toRegExp(pattern: string, options = ''): RegExp {
  let flags = '';
  let source = pattern;
  for (const o of options) {
    if (o === 'i' || o === 'm' || o === 's' || o === 'u') flags += flags.includes(o) ? '' : o;
    else if (o === 'x') source = stripExtended(source);
    else throw badValue(`invalid flag in regex options: ${o}`);
  }
  try {
    return new RegExp(source, flags);
  } catch (err) {
    throw badValue(`Regular expression is invalid: ${(err as Error).message}`);
  }
}

export function asRegExp(v: unknown): RegExp | null {
  if (v instanceof RegExp) return v;
  if (v && typeof v === 'object' && (v as { _bsontype?: string })._bsontype === 'BSONRegExp') {
    const r = v as { pattern: string; options: string };
    return toRegExp(r.pattern, r.options);
  }
  return null;
}

/** The `x` option: unescaped whitespace and `#` comments are not part of the pattern. */
function stripExtended(source: string): string {
  let out = '';
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (ch === '\\' && i + 1 < source.length) {
      out += ch + source[++i];
      continue;
    }
    if (ch === '#') {
      while (i < source.length && source[i] !== '\n') i++;
      continue;
    }
    if (!/\s/.test(ch)) out += ch;
  }
  return out;
}
