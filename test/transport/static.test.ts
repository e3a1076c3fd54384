/** The web client as the HTTP listener serves it: what, how, and how small. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { startServer } from '../helpers.js';

/** The first load's budget, gzipped: the page, its stylesheet and its script (issue target). */
const FIRST_LOAD_BUDGET = 60 * 1024;

test('GET / serves the page with its security headers; its assets follow, gzipped', async (t) => {
  const server = await startServer(t, { http: true, httpPort: 0 });
  const base = `http://127.0.0.1:${server.webAddress!.port}`;
  const page = await fetch(`${base}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  const csp = page.headers.get('content-security-policy') ?? '';
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  const html = await page.text();
  // No inline script or style: everything comes from files the policy allows.
  assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/);
  assert.doesNotMatch(html, /<style|\sstyle=|\son\w+=/);
  assert.match(html, /<label for="nickname">Nickname<\/label>/);
  assert.match(html, /<label for="message">Message<\/label>/);

  let firstLoad = 0;
  for (const path of ['/', '/app.js', '/style.css']) {
    // fetch() asks for gzip and unpacks it; a raw request shows the bytes on the wire.
    const res = await rawGet(base, path, 'gzip');
    assert.equal(res.encoding, 'gzip', path);
    assert.ok(gunzipSync(res.body).length > res.body.length, path);
    firstLoad += res.body.length;
  }
  assert.ok(firstLoad < FIRST_LOAD_BUDGET, `first load is ${firstLoad} bytes gzipped`);
});

test('assets revalidate by ETag; HEAD has no body; nothing outside the build is served', async (t) => {
  const server = await startServer(t, { http: true, httpPort: 0 });
  const base = `http://127.0.0.1:${server.webAddress!.port}`;
  const first = await fetch(`${base}/app.js`);
  const etag = first.headers.get('etag');
  assert.ok(etag);
  assert.equal(first.headers.get('cache-control'), 'no-cache');
  const again = await fetch(`${base}/app.js`, { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  // A list and weak tags are understood too.
  const listed = await fetch(`${base}/app.js`, { headers: { 'If-None-Match': `"x", W/${etag}` } });
  assert.equal(listed.status, 304);
  // The plain and the gzipped body are different representations, with different tags.
  const plain = await rawGet(base, '/app.js', 'identity');
  const refused = await rawGet(base, '/app.js', 'gzip;q=0, identity');
  assert.equal(plain.encoding, undefined);
  assert.equal(refused.encoding, undefined);
  assert.notEqual(plain.etag, etag);
  assert.equal((await rawGet(base, '/app.js', 'br, gzip;q=0.5')).encoding, 'gzip');
  const head = await fetch(`${base}/`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
  for (const path of ['/../package.json', '/%2e%2e/package.json', '/index.ts', '/app', '/.env']) {
    assert.equal((await fetch(`${base}${path}`)).status, 404, path);
  }
  assert.equal((await fetch(`${base}/natter-client.js`)).status, 200);
});

/** A GET with the given Accept-Encoding, read as raw bytes. */
async function rawGet(
  base: string,
  path: string,
  acceptEncoding: string,
): Promise<{ encoding: string | undefined; etag: string | undefined; body: Buffer }> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${path}`, { headers: { 'Accept-Encoding': acceptEncoding } });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          encoding: res.headers['content-encoding'],
          etag: res.headers.etag,
          body: Buffer.concat(chunks),
        }),
      );
    });
    req.on('error', reject);
  });
}
