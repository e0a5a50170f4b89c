/** Server error codes the embedded server answers with; names and numbers are MongoDB's. */
export const CODES = {
  InternalError: 1,
  BadValue: 2,
  NoSuchKey: 4,
  FailedToParse: 9,
  TypeMismatch: 14,
  Overflow: 15,
  InvalidLength: 16,
  IllegalOperation: 20,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  PathNotViable: 28,
  ConflictingUpdateOperators: 40,
  CursorNotFound: 43,
  NamespaceExists: 48,
  DollarPrefixedFieldName: 52,
  InvalidIdField: 53,
  NotSingleValueField: 54,
  CommandNotFound: 59,
  ImmutableField: 66,
  CannotCreateIndex: 67,
  IndexAlreadyExists: 68,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  OperationNotSupportedInTransaction: 263,
  Location17276: 17276,
  DocumentValidationFailure: 121,
  DuplicateKey: 11000,
  Location15998: 15998,
  Location40324: 40324,
  Location31249: 31249,
  Location51075: 51075,
  UnknownTopLevelOperator: 2,
} as const;

const NAMES: Record<number, string> = {};
for (const [name, code] of Object.entries(CODES))
  if (!(code in NAMES) && !name.startsWith('Location')) NAMES[code] = name;

/** An error answered to the client as { ok: 0, errmsg, code, codeName } (or as a write error). */
export class ServerError extends Error {
  readonly code: number;
  readonly codeName: string;
  readonly extra: Record<string, unknown>;
  constructor(code: number, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.codeName = NAMES[code] ?? `Location${code}`;
    this.extra = extra;
  }
  toResponse(): Record<string, unknown> {
    return { ok: 0, errmsg: this.message, code: this.code, codeName: this.codeName, ...this.extra };
  }
}

export function badValue(message: string): ServerError {
  return new ServerError(CODES.BadValue, message);
}

export function failedToParse(message: string): ServerError {
  return new ServerError(CODES.FailedToParse, message);
}

/** Wraps anything thrown into a ServerError so one bad command never crashes the server. */
export function toServerError(err: unknown): ServerError {
  if (err instanceof ServerError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ServerError(CODES.InternalError, message);
}
