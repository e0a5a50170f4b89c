import { runSuite } from '../support/cli';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { formatReport, runChaos } from './chaos';

/**
 * `npm run chaos -- [--minutes N] [--fault-every-s S]`: every process on its own, Redis under
 * Sentinel, a mixed load from three tenants, faults injected in turn; then every invariant is
 * checked. Prints the faults and invariants as tables, ending with `N passed, N failed`.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { minutes: { type: 'string', default: '3' }, 'fault-every-s': { type: 'string', default: '15' } },
  });
  const minutes = Number(values.minutes);
  const every = Number(values['fault-every-s']);
  if (!(minutes > 0)) throw new Error(`--minutes must be above 0, received ${values.minutes}`);
  if (!(every > 0)) throw new Error(`--fault-every-s must be above 0, received ${values['fault-every-s']}`);
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  process.stdout.write(
    `Machine: ${machine}; ${new Date().toISOString()}; ${minutes} min, a fault every ${every} s\n\n`,
  );
  const report = await runChaos({ minutes, faultEveryMs: every * 1000, log: (l) => process.stderr.write(`${l}\n`) });
  const text = formatReport(report);
  process.stdout.write(`${text}\n`);
  return report.checks.some((c) => c.problems.length) ? 1 : 0;
}

runSuite('chaos', main);
