import type { IncomingMessage } from 'node:http';
import { dirname, join } from 'node:path';
import type { Express, NextFunction, Request, Response } from 'express';

/** Where a package's prebuilt browser file lives (package exports hide these paths from require). */
const fileOf = (pkg: string, file: string) => join(dirname(require.resolve(`${pkg}/package.json`)), file);

/**
 * Everything the IDE page loads, all from this gateway: React, graphql-ws and GraphiQL as their
 * npm packages publish them for browsers, plus the page's own files. Nothing comes from a CDN,
 * so the IDE works on a machine with no internet.
 */
function assets(): Map<string, string> {
  return new Map([
    ['react.js', fileOf('react', 'umd/react.production.min.js')],
    ['react-dom.js', fileOf('react-dom', 'umd/react-dom.production.min.js')],
    ['graphql-ws.js', fileOf('graphql-ws', 'umd/graphql-ws.min.js')],
    ['graphiql.js', fileOf('graphiql', 'graphiql.min.js')],
    ['graphiql.css', fileOf('graphiql', 'graphiql.min.css')],
    ['boot.js', join(__dirname, 'boot.js')],
    ['page.css', join(__dirname, 'page.css')],
  ]);
}

// GraphiQL's editors set inline styles; scripts and connections stay on this origin.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'";

/** A browser asking for a page, as opposed to a GET query (?query=...) or an API client. */
export function wantsPage(req: IncomingMessage): boolean {
  if ((req.method !== 'GET' && req.method !== 'HEAD') || !(req.headers.accept ?? '').includes('text/html'))
    return false;
  return !new URLSearchParams((req.url ?? '').split('?')[1] ?? '').get('query');
}

/**
 * Serves the GraphQL IDE: `GET /graphql` from a browser (Accept: text/html, no query) answers the
 * page, and `/ide/*` its files. Mount before the GraphQL middleware so the page wins for browsers.
 */
export function serveIde(app: Express): void {
  const files = assets();
  const page = join(__dirname, 'index.html');
  app.get('/graphql', (req: Request, res: Response, next: NextFunction) => {
    if (!wantsPage(req)) {
      next();
      return;
    }
    res.setHeader('content-security-policy', CSP);
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(page);
  });
  app.get('/ide/:file', (req: Request, res: Response, next: NextFunction) => {
    const path = files.get(String(req.params.file));
    if (!path) {
      next();
      return;
    }
    res.sendFile(path, { maxAge: '1h' });
  });
}
