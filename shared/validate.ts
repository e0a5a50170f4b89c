import { errors } from './errors';

/** A required string: trimmed, non-empty, at most `max` characters. */
export function requiredText(value: string, field: string, max = 200): string {
  const v = typeof value === 'string' ? value.trim() : '';
  if (v === '')
    throw errors.badInput(`expected ${field} to be a non-empty string, received ${JSON.stringify(value)}`, field);
  if (v.length > max)
    throw errors.badInput(`expected ${field} to be at most ${max} characters, received ${v.length}`, field);
  return v;
}

/** An optional string: null/undefined stay absent; empty after trimming becomes null. */
export function optionalText(value: string | null | undefined, field: string, max = 2000): string | null {
  if (value === undefined || value === null) return null;
  const v = value.trim();
  if (v.length > max)
    throw errors.badInput(`expected ${field} to be at most ${max} characters, received ${v.length}`, field);
  return v === '' ? null : v;
}

export function email(value: string, field = 'email'): string {
  const v = requiredText(value, field, 254);
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v))
    throw errors.badInput(`expected ${field} to be an email address, received "${v}"`, field);
  return v;
}

export function numberInRange(value: number, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw errors.badInput(`expected ${field} to be a number from ${min} to ${max}, received ${String(value)}`, field);
  }
  return value;
}

/** A list of short strings: trimmed, empty ones dropped, duplicates (case-insensitive) removed. */
export function stringList(
  values: readonly string[] | null | undefined,
  field: string,
  maxItems = 100,
  maxLength = 100,
): string[] {
  if (!values) return [];
  if (values.length > maxItems)
    throw errors.badInput(`expected at most ${maxItems} ${field}, received ${values.length}`, field);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of values) {
    const v = raw.trim();
    if (v === '') continue;
    if (v.length > maxLength)
      throw errors.badInput(
        `expected each of ${field} to be at most ${maxLength} characters, received "${v.slice(0, 40)}…"`,
        field,
      );
    if (!seen.has(v.toLowerCase())) {
      seen.add(v.toLowerCase());
      out.push(v);
    }
  }
  return out;
}

/** A case-insensitive "contains" regex for user search text, with its special characters escaped. */
export function searchRegex(text: string | null | undefined): RegExp | null {
  const t = text?.trim();
  if (!t) return null;
  if (t.length > 100)
    throw errors.badInput(`expected search to be at most 100 characters, received ${t.length}`, 'search');
  return new RegExp(t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
}
