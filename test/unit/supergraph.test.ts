import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { composeSupergraph } from '../../gateway/compose';

test('the committed supergraph is what the subgraph schemas compose to (run `npm run compose`)', () => {
  const committed = readFileSync(resolve(__dirname, '../../schema/supergraph.graphql'), 'utf8');
  expect(composeSupergraph()).toBe(committed);
});
