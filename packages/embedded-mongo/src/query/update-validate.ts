import { CODES, failedToParse, ServerError } from '../errors';
import { checkConflicts } from './update-paths';
import { bsonTypeName, isPlainObject, type Doc } from './values';

/** The update operators the embedded server accepts. */
const OPERATORS = new Set([
  '$set',
  '$unset',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$rename',
  '$currentDate',
  '$setOnInsert',
  '$push',
  '$addToSet',
  '$pop',
  '$pull',
  '$pullAll',
  '$bit',
]);

/** Whether an update is operators ({ $set: ... }) rather than a replacement document. */
export function isOperatorUpdate(update: Doc): boolean {
  const first = Object.keys(update)[0];
  return first !== undefined && first.startsWith('$');
}

/** Validates an update document before any document is touched. */
export function validateUpdate(update: Doc): void {
  if (!isOperatorUpdate(update)) {
    for (const k of Object.keys(update)) {
      if (k.startsWith('$'))
        throw new ServerError(
          CODES.DollarPrefixedFieldName,
          `The dollar ($) prefixed field '${k}' in '${k}' is not allowed in the context of an update's replacement document.`,
        );
    }
    return;
  }
  const all: string[] = [];
  for (const [op, fields] of Object.entries(update)) {
    if (!OPERATORS.has(op))
      throw failedToParse(
        `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`,
      );
    if (!isPlainObject(fields))
      throw failedToParse(
        `Modifiers operate on fields but we found type ${bsonTypeName(fields)} instead. For example: {$mod: {<field>: ...}} not {${op}: ${JSON.stringify(fields)}}`,
      );
    for (const path of Object.keys(fields)) {
      if (path === '') throw new ServerError(56, 'An empty update path is not valid.');
      all.push(path);
      if (op === '$rename') {
        if (typeof fields[path] !== 'string')
          throw badType(`The 'to' field for $rename must be a string: ${path}: ${JSON.stringify(fields[path])}`);
        all.push(fields[path] as string);
      }
    }
  }
  checkConflicts(all);
}

function badType(msg: string): ServerError {
  return new ServerError(CODES.BadValue, msg);
}
