import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import type http from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** Where `npm run build` puts the web client (scripts/build-web.mjs), seen from dist/src/transport. */
export const WEB_CLIENT_DIR = fileURLToPath(new URL('../../web/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** One file as served: its bytes, gzipped once, and a tag for each that changes with them. */
interface StaticFile {
  readonly type: string;
  readonly body: Buffer;
  readonly gzipped: Buffer;
  readonly etag: string;
  readonly gzippedEtag: string;
}

/**
 * The web client's files, read and compressed once when the listener opens (the whole client
 * is a few tens of kilobytes), served from memory with an ETag so that a browser revalidates
 * rather than downloads again. Only the files the build wrote are served; no path from a
 * request ever reaches the file system.
 */
export class StaticFiles {
  private readonly files = new Map<string, StaticFile>();

  constructor(dir: string = WEB_CLIENT_DIR) {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const type = TYPES[extname(name)];
      if (!type) continue;
      const body = readFileSync(join(dir, name));
      const hash = createHash('sha256').update(body).digest('base64url').slice(0, 22);
      this.files.set(`/${name}`, {
        type,
        body,
        gzipped: gzipSync(body, { level: 9 }),
        etag: `"${hash}"`,
        gzippedEtag: `"${hash}-gz"`,
      });
    }
    const index = this.files.get('/index.html');
    if (index) this.files.set('/', index);
  }

  /** True when the build left a page to serve. */
  get built(): boolean {
    return this.files.has('/');
  }

  /** Answers a GET or HEAD for `path`; false when there is no such file. */
  serve(req: http.IncomingMessage, res: http.ServerResponse, path: string): boolean {
    const file = this.files.get(path);
    if (!file) return false;
    const gzip = acceptsGzip(req.headers['accept-encoding']);
    const etag = gzip ? file.gzippedEtag : file.etag;
    res.setHeader('Content-Type', file.type);
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('ETag', etag);
    res.setHeader('Vary', 'Accept-Encoding');
    if (matches(req.headers['if-none-match'], etag)) {
      res.writeHead(304).end();
      return true;
    }
    const body = gzip ? file.gzipped : file.body;
    if (gzip) res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Content-Length', body.length);
    res.writeHead(200);
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  }
}

/** True when `Accept-Encoding` lists gzip (or `*`) with a weight above zero. */
function acceptsGzip(header: string | undefined): boolean {
  for (const part of (header ?? '').split(',')) {
    const [coding = '', ...params] = part.trim().toLowerCase().split(';');
    if (coding.trim() !== 'gzip' && coding.trim() !== '*') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

/** True when `If-None-Match` (a list, weak tags allowed, or `*`) names `etag`. */
function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === etag || tag === '*');
}
