/**
 * Serves the web console (services/console, built by `npm run build`) at /console on the HTTP
 * edge. Files are read once at start: hashed files under assets/ are immutable for a year,
 * index.html is `no-cache` (it names the current hashes), and every answer has its content type.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PlainRoute } from '@keystream/service-api';

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

const NO_SNIFF = { 'x-content-type-options': 'nosniff' } as const;

/** The handler of GET /console and /console/*, for the edge's `extraGetPrefixes`. */
export function consoleRoute(assets: ReadonlyMap<string, Asset> = loadConsoleAssets()): PlainRoute {
  return ({ path }) => {
    if (path === CONSOLE_PATH) return { status: 308, contentType: 'text/plain; charset=utf-8', headers: { ...NO_SNIFF, location: `${CONSOLE_PATH}/` }, body: '' };
    if (assets.size === 0) {
      return { status: 503, contentType: 'text/plain; charset=utf-8', headers: { ...NO_SNIFF, 'cache-control': 'no-store' }, body: 'the console is not built: run `npm run build`\n' };
    }
    const file = path.slice(CONSOLE_PATH.length + 1);
    // The console is one page: anything that is not a file is the page itself.
    const asset = assets.get(file === '' ? 'index.html' : file) ?? (file.startsWith('assets/') ? undefined : assets.get('index.html'));
    if (asset === undefined) return { status: 404, contentType: 'text/plain; charset=utf-8', headers: { ...NO_SNIFF, 'cache-control': 'no-cache' }, body: 'not found\n' };
    return { status: 200, contentType: asset.contentType, headers: { ...NO_SNIFF, 'cache-control': asset.cacheControl }, body: asset.body };
  };
}
