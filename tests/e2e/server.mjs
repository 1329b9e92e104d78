// A tiny static file server for the built site (dist/), on 127.0.0.1 only.
//
//   import { serve } from './server.mjs';
//   const server = await serve('dist', { mount: '/some/sub/path/' });  // random free port
//   ... server.url ...  (http://127.0.0.1:PORT/some/sub/path/)
//   await server.close();
//
// From the shell (scripts/serve): node tests/e2e/server.mjs DIR [PORT]

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
};

/**
 * Serves the files under `dir` at `mount` (a path ending in `/`) on 127.0.0.1, and each
 * `[mount, dir]` pair of `also` (e.g. test data) beside it. `port` 0 picks a free port.
 * Directories serve their index.html; anything else is a 404.
 */
export async function serve(dir, { mount = '/', port = 0, host = '127.0.0.1', also = [] } = {}) {
  const mounts = [[mount, resolve(dir)], ...also.map(([m, d]) => [m, resolve(d)])];
  for (const [m] of mounts) {
    if (!m.startsWith('/') || !m.endsWith('/')) {
      throw new Error(`mount must start and end with '/': ${m}`);
    }
  }
  const server = createServer(async (req, res) => {
    const reply = (status, text) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(req.method === 'HEAD' ? undefined : `${text}\n`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'method not allowed');
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    } catch {
      return reply(400, 'bad request');
    }
    if (path === mount.slice(0, -1)) {
      // `/sub/path` → `/sub/path/`, so that relative URLs resolve inside the mount.
      res.writeHead(301, { location: mount });
      return res.end();
    }
    const found = mounts.find(([m]) => path.startsWith(m));
    if (!found) return reply(404, 'not found');
    const [at, root] = found;
    let file = resolve(root, `.${sep}${path.slice(at.length)}`);
    if (file !== root && !file.startsWith(root + sep)) return reply(404, 'not found');
    try {
      let info = await stat(file);
      if (info.isDirectory()) {
        file = resolve(file, 'index.html');
        info = await stat(file);
      }
      if (!info.isFile()) return reply(404, 'not found');
      res.writeHead(200, {
        'content-type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'content-length': info.size,
        'cache-control': 'no-cache',
      });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file).on('error', () => res.destroy()).pipe(res);
    } catch {
      reply(404, 'not found');
    }
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, ok);
  });
  const address = server.address();
  return {
    url: `http://${host}:${address.port}${mount}`,
    port: address.port,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir = 'dist', port = process.env.PORT ?? '8080'] = process.argv.slice(2);
  const server = await serve(dir, { port: Number(port) });
  console.log(`Runlens: serving ${resolve(dir)} at ${server.url}  (Ctrl-C stops)`);
  const stop = () => server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
