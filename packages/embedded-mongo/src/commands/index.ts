import { CODES, ServerError, toServerError } from '../errors';
import type { Doc } from '../query/values';
import { adminCommands } from './admin';
import type { CommandContext, Handler } from './context';
import { ddlCommands } from './ddl';
import { explainCommands } from './explain';
import { readCommands } from './read';
import { writeCommands } from './write';

const HANDLERS: Record<string, Handler> = {
  ...adminCommands,
  ...ddlCommands,
  ...readCommands,
  ...writeCommands,
  ...explainCommands,
};
const BY_LOWER = new Map(Object.entries(HANDLERS).map(([k, v]) => [k.toLowerCase(), v]));

/** Runs one command document and returns its reply; never throws. */
export async function runCommand(cmd: Doc, ctx: Omit<CommandContext, 'db'>): Promise<Doc> {
  const name = Object.keys(cmd)[0];
  try {
    if (!name) throw new ServerError(CODES.FailedToParse, 'empty command document');
    const handler = HANDLERS[name] ?? BY_LOWER.get(name.toLowerCase());
    if (!handler) throw new ServerError(CODES.CommandNotFound, `no such command: '${name}'`);
    if (cmd.startTransaction !== undefined || cmd.autocommit !== undefined) {
      throw new ServerError(
        CODES.IllegalOperation,
        'Transaction numbers are only allowed on a replica set member or mongos; the embedded server has no transactions',
      );
    }
    const db = typeof cmd.$db === 'string' ? cmd.$db : 'admin';
    try {
      return await handler(cmd, { ...ctx, db });
    } finally {
      await ctx.store.commit();
    }
  } catch (err) {
    return toServerError(err).toResponse();
  }
}
