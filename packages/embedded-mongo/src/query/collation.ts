import { badValue } from '../errors';
import { isNumeric, toNumber } from './numeric';
import { binaryCompare, type StringCompare } from './values';

export interface CollationSpec {
  locale: string;
  strength?: unknown;
  caseLevel?: boolean;
  numericOrdering?: boolean;
}

/**
 * Supports the 'simple' collation and ICU locales at strengths 1 (base letters) and 2 (accents),
 * plus 3 (case too) through Intl.Collator; other options are answered as MongoDB answers bad input.
 */
export function collationCompare(spec: unknown): StringCompare {
  if (spec === undefined || spec === null) return binaryCompare;
  if (typeof spec !== 'object') throw badValue(`collation must be an object, got ${typeof spec}`);
  const c = spec as CollationSpec;
  if (typeof c.locale !== 'string') throw badValue('collation requires a string locale');
  if (c.locale === 'simple') return binaryCompare;
  const strength = c.strength === undefined ? 3 : isNumeric(c.strength) ? toNumber(c.strength) : NaN;
  if (![1, 2, 3, 4, 5].includes(strength))
    throw badValue(`collation strength must be 1 to 5, got ${String(c.strength)}`);
  const sensitivity = strength === 1 ? 'base' : strength === 2 ? 'accent' : 'variant';
  let collator: Intl.Collator;
  try {
    collator = new Intl.Collator(c.locale.replace(/_/g, '-'), {
      sensitivity,
      numeric: c.numericOrdering === true,
      usage: 'sort',
    });
  } catch {
    throw badValue(`collation locale is not supported: ${c.locale}`);
  }
  return (a, b) => collator.compare(a, b);
}
