import { defineConfig } from '@graphql-hive/gateway';

/**
 * Hive Gateway as the public benchmark configures it (inbound in-flight deduplication on, `--jit`
 * on the command line), forwarding the bearer token to the subgraphs. With HIVE_DEDUPE=off every
 * deduplication is off, inbound and towards the subgraphs.
 */
const dedupe = process.env.HIVE_DEDUPE !== 'off';

export const gatewayConfig = defineConfig({
  inboundInflightRequestDeduplication: dedupe,
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => ({ authorization: request.headers.get('authorization') ?? '' }),
  },
  ...(dedupe ? {} : { transportEntries: { '*.http': { options: { deduplicateInflightRequests: false } } } }),
});
