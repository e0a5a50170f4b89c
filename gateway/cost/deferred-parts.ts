import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { errors, formatError } from '../../shared/errors';
import type { IncrementalItem, SubsequentPayload } from '../../shared/graphql/incremental';
import type { GatewayContext } from '../context';
import type { ResultSerializer } from '../sharing/result-json';
import { actualCost } from './actual-cost';

export interface DeferredPartsOptions {
  /** MAX_RESPONSE_BYTES: the bound on the whole answer, its initial part and later ones together. */
  maxBytes: number;
  serializer: ResultSerializer;
  /** Production mode: errors of later parts are shaped as Apollo Server shapes the initial part's. */
  production: boolean;
  /** Demand control's actual-cost histogram, observed once the last part went out. */
  observeActual(type: string, actual: number): void;
}

/**
 * What Apollo Server's plugins do to an answer, done to the later parts of a deferred one, which
 * reach the client after Apollo Server has sent the initial part:
 *
 * - the answer-size cap (MAX_RESPONSE_BYTES) bounds the whole answer: the initial part's data
 *   counts first (response-size.ts caps it alone), then each later part's; the part that would go
 *   over is sent as a BAD_USER_INPUT error instead (responseTooLarge: expected and received
 *   bytes) and ends the answer, the parts still running dropped;
 * - the actual cost counts every part's objects: the operation's log line, written when the
 *   initial part goes out, carries the initial part's, and the histogram gets the whole answer's
 *   once the last part went out (or the answer stopped);
 * - errors are formatted as the initial part's are (no internals in production).
 *
 * An answer refused as a whole (no data: the cap on the initial part, a fault) sends no later part.
 */
export function deferredParts(opts: DeferredPartsOptions): ApolloServerPlugin<GatewayContext> {
  const format = formatError(opts.production);
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response, operation }) {
          const channel = contextValue.incremental;
          const later = channel?.subsequent;
          if (!channel || !later) return;
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const status = response.http.status ?? 200;
          if (!body?.data || status !== 200) {
            channel.subsequent = undefined;
            await later.return?.();
            return;
          }
          const cost = contextValue.cost;
          const type = operation?.operation ?? 'query';
          channel.subsequent = bounded(later, Buffer.byteLength(opts.serializer.dataJson(body.data)), {
            maxBytes: opts.maxBytes,
            format: (e) => format(e instanceof GraphQLError ? e.toJSON() : e, e),
            done: (added) => {
              if (!cost) return;
              cost.actual = (cost.actual ?? 0) + added;
              opts.observeActual(type, cost.actual);
            },
          });
        },
      };
    },
  };
}

/** The later parts under the size cap, counted (`done` gets their objects once they end). */
export async function* bounded(
  later: AsyncIterableIterator<SubsequentPayload>,
  initialBytes: number,
  opts: {
    maxBytes: number;
    format: (e: GraphQLFormattedError) => GraphQLFormattedError;
    done: (added: number) => void;
  },
): AsyncGenerator<SubsequentPayload> {
  let bytes = initialBytes;
  let objects = 0;
  try {
    for await (const payload of later) {
      const items: IncrementalItem[] = [];
      let partBytes = 0;
      for (const item of payload.incremental ?? []) {
        if (item.data) {
          const json = JSON.stringify(item.data);
          partBytes += Buffer.byteLength(json);
          objects += actualCost(json);
        }
        items.push(item.errors ? { ...item, errors: item.errors.map(opts.format) } : item);
      }
      bytes += partBytes;
      if (bytes > opts.maxBytes) {
        const e = errors.responseTooLarge(bytes, opts.maxBytes);
        const refused = { path: items[0]?.path ?? [], errors: [opts.format(e.toJSON())] };
        yield { incremental: [refused], hasNext: false };
        return;
      }
      yield payload.incremental ? { ...payload, incremental: items } : payload;
    }
  } finally {
    await later.return?.();
    opts.done(objects);
  }
}
