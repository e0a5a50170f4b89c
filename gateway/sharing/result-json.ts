import type { FormattedExecutionResult } from 'graphql';
import { knownJson } from '../execution/plan/lazy-data';

/**
 * Apollo Server's `stringifyResult` (the same text as its default, `JSON.stringify` and a newline)
 * that serializes each result's `data` once: callers that shared one execution share its data
 * object, and serializing a large answer was the biggest cost left per deduplicated request. An
 * answer that is only data is the very same string for every caller, so the HTTP route encodes
 * its bytes once too (shared/graphql/graphql-route.ts).
 */
export interface ResultSerializer {
  (result: FormattedExecutionResult): string;
  /** The JSON text of an answer's data, the very text the serializer will send (computed once). */
  dataJson(data: object): string;
}

export function resultSerializer(): ResultSerializer {
  const serialized = new WeakMap<object, { data: string; answer: string }>();
  const dataOf = (data: object) => {
    let known = serialized.get(data);
    if (!known) {
      // The plan executor's answers come with their text, written while they were shaped.
      const json = knownJson(data) ?? JSON.stringify(data);
      serialized.set(data, (known = { data: json, answer: `{"data":${json}}\n` }));
    }
    return known;
  };
  const serialize = (result: FormattedExecutionResult): string => {
    const parts: string[] = [];
    let onlyData: string | undefined;
    for (const [key, value] of Object.entries(result)) {
      if (value === undefined) continue;
      let json: string | undefined;
      if (key === 'data' && value !== null && typeof value === 'object') {
        const known = dataOf(value as object);
        json = known.data;
        onlyData = known.answer;
      } else {
        json = JSON.stringify(value) as string | undefined;
      }
      if (json !== undefined) parts.push(`${JSON.stringify(key)}:${json}`);
    }
    if (parts.length === 1 && onlyData) return onlyData;
    return `{${parts.join(',')}}\n`;
  };
  return Object.assign(serialize, { dataJson: (data: object) => dataOf(data).data });
}
