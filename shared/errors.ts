import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/**
 * The registry's codes, each with the HTTP status of a request it refuses before the operation runs
 * (authentication, service-token gate, rate limits, demand control, answer size). An error a
 * resolver throws leaves the status alone: the answer may still hold data (GraphQL over HTTP).
 */
const STATUS_OF_CODE = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  COST_ESTIMATED_TOO_EXPENSIVE: 400,
  INTERNAL_SERVER_ERROR: 500,
} as const;

/** The error codes of the contract, set in extensions.code. */
export const ErrorCode = Object.fromEntries(Object.keys(STATUS_OF_CODE).map((c) => [c, c])) as {
  readonly [C in keyof typeof STATUS_OF_CODE]: C;
};
export type ErrorCode = keyof typeof STATUS_OF_CODE;

/** Apollo's codes the registry also throws: a subscription over HTTP, an operation refused as written. */
const APOLLO_STATUS_OF_CODE: Readonly<Record<string, number>> = { BAD_REQUEST: 400, GRAPHQL_VALIDATION_FAILED: 400 };

/**
 * The HTTP status of a request refused, before it ran, by this error: its registry entry's status;
 * undefined for an error without a registered code (Apollo's own carry theirs in extensions.http).
 */
export function refusalStatus(err: unknown): number | undefined {
  const code = (err as GraphQLError | null)?.extensions?.code;
  if (typeof code !== 'string') return undefined;
  return Object.hasOwn(STATUS_OF_CODE, code) ? STATUS_OF_CODE[code as ErrorCode] : APOLLO_STATUS_OF_CODE[code];
}

/** Every `extensions.code` a client may see: the contract's and Apollo's own. */
export const KNOWN_CODES: ReadonlySet<string> = new Set<string>([
  ...Object.values(ErrorCode),
  'GRAPHQL_PARSE_FAILED',
  ...Object.keys(APOLLO_STATUS_OF_CODE),
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

function make(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

/** The one registry of errors Hiregraph throws. Messages say what was expected and what was received. */
export const errors = {
  badInput: (message: string, field?: string) => make(ErrorCode.BAD_USER_INPUT, message, field ? { field } : {}),
  unauthenticated: (message: string) => make(ErrorCode.UNAUTHENTICATED, message),
  forbidden: (message: string) => make(ErrorCode.FORBIDDEN, message),
  notFound: (type: string, id: string) => make(ErrorCode.NOT_FOUND, `${type} ${id} was not found`),
  conflict: (message: string) => make(ErrorCode.CONFLICT, message),
  /** retryAfterSeconds is null for a quota (not a rate): it frees when usage drops or the limit is raised. */
  rateLimited: (message: string, retryAfterSeconds: number | null) =>
    make(ErrorCode.RATE_LIMITED, message, { retryAfterSeconds }),
  /** Demand control refused the operation before it ran: a client must ask for less. */
  tooExpensive: (estimatedCost: number, maxCost: number) =>
    make(
      ErrorCode.COST_ESTIMATED_TOO_EXPENSIVE,
      `expected an operation costing at most ${maxCost}, received one estimated at ${estimatedCost}: ask for fewer items (smaller first, fewer nested lists)`,
      { estimatedCost, maxCost },
    ),
  /** An operation the gateway will not run as written (Apollo's own code for what validation refuses). */
  invalidOperation: (message: string) =>
    new GraphQLError(message, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }),
  /** A request the gateway will not take over this transport (Apollo's code for a malformed request). */
  badRequest: (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_REQUEST' } }),
  internal: (message = 'internal server error') => make(ErrorCode.INTERNAL_SERVER_ERROR, message),
  /** An answer over MAX_RESPONSE_BYTES: the query ran, but the client must ask for less to get it. */
  responseTooLarge: (responseBytes: number, maxResponseBytes: number) =>
    make(
      ErrorCode.BAD_USER_INPUT,
      `expected an answer of at most ${maxResponseBytes} bytes, received a query whose answer is ${responseBytes} bytes: ask for fewer items (smaller first) or leave out large text fields`,
      { responseBytes, maxResponseBytes },
    ),
};

/** The extensions the contract gives errors; in production a subgraph's error keeps these and no other. */
const CONTRACT_EXTENSIONS = ['code', 'retryAfterSeconds', 'estimatedCost', 'maxCost', 'field'] as const;

/**
 * Shapes every error leaving a server: known codes pass through, anything else becomes
 * INTERNAL_SERVER_ERROR; stack traces never leave in production. In production an error the
 * gateway passes through from a subgraph (it carries `serviceName`) keeps its code, the contract's
 * extensions and, for a known code, its message: never the subgraph's URL, status or body
 * (`response`), nor which subgraph answered.
 */
export function formatError(
  production: boolean,
): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  return (formatted) => {
    const code = String(formatted.extensions?.code ?? '');
    let extensions: Record<string, unknown> = { ...(formatted.extensions ?? {}) };
    if (production) delete extensions.stacktrace;
    if (production && ('serviceName' in extensions || 'response' in extensions)) {
      const kept: Record<string, unknown> = {};
      for (const k of CONTRACT_EXTENSIONS) if (k in extensions) kept[k] = extensions[k];
      extensions = kept;
      // Which subgraph could not be reached, and why, is for the logs.
      if (code === ErrorCode.INTERNAL_SERVER_ERROR)
        return { message: 'internal server error', locations: formatted.locations, path: formatted.path, extensions };
    }
    if (KNOWN_CODES.has(code)) return { ...formatted, extensions };
    return {
      message: production ? 'internal server error' : formatted.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { ...extensions, code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}
