import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SUBGRAPHS } from '../../gateway/execution/subgraph-list';
import { freePort } from '../../scripts/local-redis';
import { SUBGRAPH_NODE_FLAGS } from '../../scripts/node-flags';
import { cpuProfiling, ROOT, lineOf, type Started } from '../gateways/processes';

/*
 * The processes of the full-stack benchmark: one running the four subgraphs and the embedded
 * MongoDB, and the two gateways in front of it, each a process of its own (none pinned: the
 * machine's cores are shared by all of them, Redis and the load generator, as in a small deployment).
 */

export interface SubgraphsProcess {
  child: ChildProcess;
  mongoUri: string;
  urls: Record<string, string>;
  metricsUrls: string[];
  profileDir?: string;
}

/** Node under `--cpu-prof` into a fresh directory (named `name`) when profiling, else as is. */
function node(
  name: string,
  args: string[],
  env: Record<string, string>,
  profileRoot?: string,
  nodeFlags: readonly string[] = [],
  cwd = ROOT,
) {
  const { profileDir, flags } = cpuProfiling(profileRoot, name);
  const child = spawn(process.execPath, [...nodeFlags, ...flags, '--import', 'tsx', ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { child, profileDir };
}

export async function startSubgraphsProcess(
  env: Record<string, string>,
  children: ChildProcess[],
  profileRoot?: string,
  /** Node flags of the process (`--subgraphs-node-flags`); default the deployed ones, SUBGRAPH_NODE_FLAGS. */
  nodeFlags: readonly string[] = SUBGRAPH_NODE_FLAGS,
): Promise<SubgraphsProcess> {
  const { child, profileDir } = node('subgraphs', [join(__dirname, 'subgraphs.ts')], env, profileRoot, nodeFlags);
  children.push(child);
  // Its own JSON line, told from the subgraphs' JSON log lines by its prefix, whole once its newline came.
  const line = await lineOf(child, /subgraphs ready (\{.*\})\n/, 'the subgraphs process');
  const ready = JSON.parse(line.slice('subgraphs ready '.length)) as Omit<SubgraphsProcess, 'child' | 'profileDir'>;
  return { child, profileDir, ...ready };
}

/**
 * Hiregraph's gateway through its production entry point (gateway/index.ts), configured as a
 * deployment would be: subgraph URLs, Redis for the tenants' rate limits, the shared secrets.
 */
export async function startHiregraphGateway(
  env: Record<string, string>,
  urls: Record<string, string>,
  children: ChildProcess[],
  profileRoot?: string,
  /** The row's name; default `hiregraph`. */
  name = 'hiregraph',
  /** The checkout whose gateway runs (`--compare DIR`: another commit's, beside this one); default this one. */
  root = ROOT,
  /** Node flags of the gateway process; default none. */
  nodeFlags: string[] = [],
): Promise<Started> {
  const port = await freePort();
  const all = {
    ...env,
    GATEWAY_PORT: String(port),
    METRICS_PORT: '0',
    TENANT_URL: urls.tenant!,
    CANDIDATE_URL: urls.candidate!,
    JOB_URL: urls.job!,
    ASSESSMENT_URL: urls.assessment!,
  };
  const args = [join(root, 'gateway/index.ts')];
  const { child, profileDir } = node(name, args, all, profileRoot, nodeFlags, root);
  children.push(child);
  await lineOf(child, /gateway listening/, 'the Hiregraph gateway');
  return {
    gw: { name, command: () => args, env: all },
    url: `http://127.0.0.1:${port}/graphql`,
    child,
    profileDir,
  };
}

/**
 * Stock @apollo/gateway and Apollo Server (bench/gateways/apollo-gateway.ts), over a copy of the
 * committed supergraph whose subgraph URLs are the running ones.
 *
 * What Hiregraph's subgraphs need from a gateway: the caller's own `authorization` header, which each
 * subgraph verifies again (shared/graphql/context.ts: the same JWT_SECRET, tenant and roles from the
 * token), and a JSON content type (Apollo Server's CSRF check). There is no gateway-signed header or
 * token: `x-request-id` only correlates logs (a subgraph makes one up without it). So the stock
 * gateway forwarding `authorization` as is, and RemoteGraphQLDataSource's JSON POST, is all it takes.
 */
export async function startApolloGateway(
  urls: Record<string, string>,
  dir: string,
  children: ChildProcess[],
  profileRoot?: string,
): Promise<Started> {
  let sdl = readFileSync(join(ROOT, 'schema/supergraph.graphql'), 'utf8');
  for (const { name, url } of SUBGRAPHS) {
    if (!sdl.includes(url)) throw new Error(`the supergraph does not name ${url} for ${name}`);
    sdl = sdl.replace(url, urls[name]!);
  }
  const supergraph = join(dir, 'supergraph.graphql');
  writeFileSync(supergraph, sdl);
  const port = await freePort();
  const args = [join(ROOT, 'bench/gateways/apollo-gateway.ts'), supergraph, String(port)];
  const { child, profileDir } = node('apollo-gateway', args, { NODE_ENV: 'production' }, profileRoot);
  children.push(child);
  await lineOf(child, /ready http\S+/, 'Apollo Gateway');
  return {
    gw: { name: 'apollo-gateway', command: () => args, env: {} },
    url: `http://127.0.0.1:${port}/graphql`,
    child,
    profileDir,
  };
}

/** The pid of the redis-server listening on `port` (its title names the port), for its CPU time. */
export function redisPid(port: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmdline.includes('redis-server') && new RegExp(`[: ]${port}\\b`).test(cmdline)) return Number(entry);
    } catch {
      // A process that ended while the list was read.
    }
  }
  return undefined;
}
