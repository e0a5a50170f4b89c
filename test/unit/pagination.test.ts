import { ObjectId } from 'mongodb';
import { encodeCursor, parsePage } from '../../shared/pagination';
import { parseId } from '../../shared/mongo/ids';

test('cursors round-trip and anything else is BAD_USER_INPUT', () => {
  const id = new ObjectId();
  expect(parsePage(5, encodeCursor(id))).toEqual({ first: 5, after: id });
  expect(parsePage(undefined, null)).toEqual({ first: 20, after: null });
  for (const [first, after] of [
    [0, null],
    [101, null],
    [1.5, null],
    [10, 'abc'],
    [10, Buffer.from(`hg1:${id.toHexString().toUpperCase()}`).toString('base64url')],
  ] as const) {
    expect(() => parsePage(first, after)).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
    );
  }
});

test('ids must be 24 hex characters', () => {
  expect(parseId('0123456789abcdef01234567').toHexString()).toBe('0123456789abcdef01234567');
  expect(() => parseId('xyz')).toThrow(/24 hexadecimal characters/);
});
