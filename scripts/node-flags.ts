/**
 * The Node flags the subgraph processes run with: docker-compose.yml's four subgraph services,
 * `npm start` (one process whose work is mostly the subgraphs' and the embedded MongoDB's) and the
 * stack benchmark's subgraphs process (test/e2e/ops-files.test.ts holds them to this list).
 *
 * A young generation of up to 64 MiB a semi-space instead of V8's 16: under load a subgraph
 * request's objects (BSON read into documents, loaders' batches, the answer) live across the
 * awaits of its MongoDB reads, so with 16 MiB most of them outlived two scavenges, were promoted
 * and then marked and swept in the old generation; garbage collection was about half of the
 * process's CPU. With 64 MiB they die young. The subgraphs process's CPU per dashboard request
 * fell by about a quarter (bench/RESULTS.md), at the price of up to ~190 MiB more heap under load.
 */
export const SUBGRAPH_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];
