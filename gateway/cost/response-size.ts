import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { errors, refusalStatus } from '../../shared/errors';
import type { ResultSerializer } from '../sharing/result-json';

/**
 * Refuses a query's answer over `maxBytes` of JSON (MAX_RESPONSE_BYTES) with BAD_USER_INPUT and
 * no data: demand control bounds what an operation may ask for before it runs, this bounds what
 * it returned, so an answer larger than estimated (long text, a limit raised too far) is not sent
 * in part or in full. The size is measured on the very text the serializer then sends. Mutations
 * are left alone: their effect has happened, and an error in place of their answer would say it
 * had not (their selections are single objects, which demand control sizes).
 */
export function responseSizeCap(maxBytes: number, serializer: ResultSerializer): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation, response }) {
          if (operation?.operation !== 'query' || response.body.kind !== 'single') return;
          const data = response.body.singleResult.data;
          if (!data) return;
          const json = serializer.dataJson(data);
          // A UTF-8 byte per UTF-16 unit at least: a short text needs no count.
          if (json.length * 3 <= maxBytes) return;
          const bytes = Buffer.byteLength(json);
          if (bytes <= maxBytes) return;
          const e = errors.responseTooLarge(bytes, maxBytes);
          // A new body, not an edit: callers that shared this execution share its result objects.
          response.body = {
            kind: 'single',
            singleResult: { errors: [{ message: e.message, extensions: e.extensions }] },
          };
          response.http.status = refusalStatus(e);
        },
      };
    },
  };
}
