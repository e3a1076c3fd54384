/**
 * The V8 heap a server has in use, read from its Prometheus metrics (`/metrics` on its HTTP
 * listener: Node's default `nodejs_heap_size_used_bytes`), for the memory per idle connection.
 */
import http from 'node:http';
import https from 'node:https';
import type { Target, Wire } from './plan.js';

/** Bytes of heap in use; undefined when the server has no such metrics there. */
export function heapUsedBytes(target: Target, wire: Wire): Promise<number | undefined> {
  const options = { host: target.host, port: target.port, path: '/metrics', timeout: 5000 };
  return new Promise((resolve) => {
    const done = (res: http.IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const match =
          /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(body);
        resolve(res.statusCode === 200 && match ? Number(match[1]) : undefined);
      });
    };
    const req = wire.tls
      ? https.get(
          { ...options, ...(wire.tls.ca ? { ca: wire.tls.ca } : { rejectUnauthorized: false }) },
          done,
        )
      : http.get(options, done);
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
  });
}
