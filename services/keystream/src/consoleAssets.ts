/**
 * Serves the web console (services/console, built by `npm run build`) at /console on the edge's
 * uWS app. Files are read once at start: hashed files under assets/ are immutable for a year,
 * index.html is `no-cache` (it names the current hashes), and every answer has its content type.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpResponse, TemplatedApp } from '@trufflesuite/uws-js-unofficial';

/** Where the console is served. */
export const CONSOLE_PATH = '/console';
/** The Vite build output, from src/ or dist/ of this package alike. */
export const CONSOLE_DIST = fileURLToPath(new URL('../../console/dist', import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly cacheControl: string;
}

function filesUnder(directory: string): string[] {
  return readdirSync(directory).flatMap((entry) => {
    const path = join(directory, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Loads the built console; an empty map when it was not built. */
export function loadConsoleAssets(directory = CONSOLE_DIST): ReadonlyMap<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!existsSync(join(directory, 'index.html'))) return assets;
  for (const file of filesUnder(directory)) {
    const path = relative(directory, file).split(sep).join('/');
    assets.set(path, {
      body: readFileSync(file),
      contentType: CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      // Vite puts content hashes in every file name under assets/; nothing else is hashed.
      cacheControl: path.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
  }
  return assets;
}

function answer(response: HttpResponse, status: string, headers: Readonly<Record<string, string>>, body: Buffer | string): void {
  response.cork(() => {
    response.writeStatus(status);
    for (const [name, value] of Object.entries(headers)) response.writeHeader(name, value);
    response.writeHeader('x-content-type-options', 'nosniff');
    response.end(body);
  });
}

/** Mounts GET /console and /console/* on `app`. */
export function mountConsole(app: TemplatedApp, assets: ReadonlyMap<string, Asset> = loadConsoleAssets()): void {
  app.get(CONSOLE_PATH, (response) => {
    answer(response, '308 Permanent Redirect', { location: `${CONSOLE_PATH}/` }, '');
  });
  app.get(`${CONSOLE_PATH}/*`, (response, request) => {
    if (assets.size === 0) {
      answer(response, '503 Service Unavailable', { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, 'the console is not built: run `npm run build`\n');
      return;
    }
    const path = request.getUrl().slice(CONSOLE_PATH.length + 1);
    // The console is one page: anything that is not a file is the page itself.
    const asset = assets.get(path === '' ? 'index.html' : path) ?? (path.startsWith('assets/') ? undefined : assets.get('index.html'));
    if (asset === undefined) {
      answer(response, '404 Not Found', { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' }, 'not found\n');
      return;
    }
    answer(response, '200 OK', { 'content-type': asset.contentType, 'cache-control': asset.cacheControl }, asset.body);
  });
}
