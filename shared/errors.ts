import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/** The error codes of the contract, set in extensions.code. */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  RATE_LIMITED: 'RATE_LIMITED',
  COST_ESTIMATED_TOO_EXPENSIVE: 'COST_ESTIMATED_TOO_EXPENSIVE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Every `extensions.code` a client may see: the contract's and Apollo's own. */
export const KNOWN_CODES: ReadonlySet<string> = new Set<string>([
  ...Object.values(ErrorCode),
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
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
