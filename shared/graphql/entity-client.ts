import { GraphQLError } from 'graphql';
import { ErrorCode, errors } from '../errors';
import type { RequestContext } from './context';

/** What a call needs of the caller: its token, request id and logger. */
export type Caller = Pick<RequestContext, 'requestId' | 'authorization' | 'log'>;

/** How long one read may take, and the error a read that took longer fails with. */
export interface EntityClientTimeout {
  ms: number;
  exceeded(): Error;
}

/** Without an EntityClientTimeout: a read fails after this long with "could not check ... references". */
const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Reads another subgraph's entities through its `_entities` field, with the caller's own token,
 * so the owning subgraph applies its tenant and role rules. This is how one subgraph checks a
 * reference to another's entity without touching the other's collection.
 */
export class EntityClient {
  constructor(
    private readonly url: string,
    private readonly typename: string,
    private readonly timeout?: EntityClientTimeout,
  ) {}

  /** The entities for `ids`, in order; null where the owner says there is none (missing or another tenant's). */
  async fetch<T extends { id: string }>(
    ctx: Caller,
    ids: readonly string[],
    selection: string,
  ): Promise<Array<T | null>> {
    if (ids.length === 0) return [];
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${this.typename} { ${selection} } } }`;
    const deadline = AbortSignal.timeout(this.timeout?.ms ?? DEFAULT_TIMEOUT_MS);
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-request-id': ctx.requestId,
          ...(ctx.authorization ? { authorization: ctx.authorization } : {}),
        },
        body: JSON.stringify({ query, variables: { r: ids.map((id) => ({ __typename: this.typename, id })) } }),
        signal: deadline,
      });
    } catch (err) {
      if (deadline.aborted && this.timeout) throw this.timeout.exceeded();
      ctx.log.error({ err, url: this.url }, `could not reach the ${this.typename} owner`);
      throw errors.internal(`could not check ${this.typename} references`);
    }
    const body = (await res.json().catch(() => {
      if (deadline.aborted && this.timeout) throw this.timeout.exceeded();
      return {};
    })) as {
      data?: { _entities?: Array<T | null> };
      errors?: Array<{ message: string; extensions?: { code?: string } }>;
    };
    const first = body.errors?.[0];
    if (first) {
      const code = first.extensions?.code;
      // The caller's own auth problems keep their code; anything else is ours.
      if (code === ErrorCode.UNAUTHENTICATED || code === ErrorCode.FORBIDDEN)
        throw new GraphQLError(first.message, { extensions: { code } });
      ctx.log.error({ errors: body.errors, url: this.url }, `${this.typename} owner answered with errors`);
      throw errors.internal(`could not check ${this.typename} references`);
    }
    const out = body.data?._entities;
    if (!Array.isArray(out) || out.length !== ids.length)
      throw errors.internal(`the ${this.typename} owner gave an unexpected answer`);
    return out.map((e) => (e && e.id ? e : null));
  }
}
