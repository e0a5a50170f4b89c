// After `tsc`, put the .graphql files and the IDE's page files beside the compiled code that reads them.
const { cpSync, readdirSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
for (const name of readdirSync(join(root, 'subgraphs'))) {
  cpSync(join(root, 'subgraphs', name, 'schema.graphql'), join(root, 'dist', 'subgraphs', name, 'schema.graphql'));
}
cpSync(join(root, 'schema'), join(root, 'dist', 'schema'), { recursive: true });
// Only the page's files: ide.ts there is compiled by tsc.
cpSync(join(root, 'gateway', 'ide'), join(root, 'dist', 'gateway', 'ide'), {
  recursive: true,
  filter: (src) => !src.endsWith('.ts'),
});
