import type { FormattedExecutionResult } from 'graphql';

/**
 * Apollo Server's `stringifyResult` (the same text as its default, `JSON.stringify` and a newline)
 * that serializes each result's `data` once: callers that shared one execution share its data
 * object, and serializing a large answer was the biggest cost left per deduplicated request.
 */
export function resultSerializer(): (result: FormattedExecutionResult) => string {
  const serialized = new WeakMap<object, string>();
  return (result) => {
    const parts: string[] = [];
    for (const [key, value] of Object.entries(result)) {
      if (value === undefined) continue;
      let json: string | undefined;
      if (key === 'data' && value !== null && typeof value === 'object') {
        json = serialized.get(value as object);
        if (json === undefined) serialized.set(value as object, (json = JSON.stringify(value)));
      } else {
        json = JSON.stringify(value) as string | undefined;
      }
      if (json !== undefined) parts.push(`${JSON.stringify(key)}:${json}`);
    }
    return `{${parts.join(',')}}\n`;
  };
}
