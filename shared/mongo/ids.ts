import { ObjectId } from 'mongodb';
import { errors } from '../errors';

const HEX24 = /^[0-9a-f]{24}$/i;

/** A GraphQL ID as an ObjectId; anything but 24 hex characters is BAD_USER_INPUT, never a 500. */
export function parseId(id: string, field = 'id'): ObjectId {
  if (typeof id !== 'string' || !HEX24.test(id)) {
    throw errors.badInput(
      `expected ${field} to be 24 hexadecimal characters, received "${String(id).slice(0, 40)}"`,
      field,
    );
  }
  return new ObjectId(id);
}

/** Like parseId, but null for a malformed id: an entity reference that cannot exist. */
export function tryParseId(id: unknown): ObjectId | null {
  return typeof id === 'string' && HEX24.test(id) ? new ObjectId(id) : null;
}
