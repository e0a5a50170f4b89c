import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';

/*
 * One entity fetch asks for each distinct representation once: the query planner sends one per
 * position in the result (the same job under 50 candidates is 50 representations), the subgraph
 * answers the distinct ones, and the answer is spread back to the planner's positions.
 */

export interface Distinct {
  unique: unknown[];
  /** For each representation sent by the planner, the index of its distinct one. */
  index: number[];
  /** For each distinct representation, the positions that asked for it. */
  positions: number[][];
}

export function distinct(representations: unknown[]): Distinct {
  const byKey = new Map<string, number>();
  const unique: unknown[] = [];
  const positions: number[][] = [];
  const index = representations.map((rep, i) => {
    const key = JSON.stringify(rep);
    let u = byKey.get(key);
    if (u === undefined) {
      u = unique.push(rep) - 1;
      byKey.set(key, u);
      positions.push([]);
    }
    positions[u]!.push(i);
    return u;
  });
  return { unique, index, positions };
}

/**
 * The answer to the distinct representations, spread back to the planner's positions. The
 * executor merges each entity into its own result tree in place, so every position past the
 * first gets a copy of its own.
 */
export function fanOut(response: GatewayGraphQLResponse, plan: Distinct): GatewayGraphQLResponse {
  const entities: unknown = response.data?._entities;
  const used = new Set<number>();
  const data = Array.isArray(entities)
    ? {
        ...response.data,
        _entities: plan.index.map((u) => (used.has(u) ? copyJson(entities[u]) : (used.add(u), entities[u]))),
      }
    : response.data;
  const errors = response.errors?.flatMap((error) => {
    const [head, at, ...rest] = error.path ?? [];
    if (head !== '_entities' || typeof at !== 'number' || !plan.positions[at]) return [error];
    return plan.positions[at]!.map((i) => ({ ...error, path: ['_entities', i, ...rest] }));
  });
  return { ...response, data, ...(errors && { errors }) };
}

function copyJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyJson);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key in value) out[key] = copyJson((value as Record<string, unknown>)[key]);
  return out;
}
