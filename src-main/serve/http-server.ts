// Serve mode: the built renderer and the engine's WebSocket API on 127.0.0.1. Every request needs the
// session's random token: given once in the URL, then kept in a SameSite=Strict cookie (one name per
// port, so two sessions never overwrite each other) that the page's own asset and socket requests carry.
// The server is reached from a browser full of other pages, so beyond the token it answers only its own
// host names (no DNS rebinding), accepts a socket only from its own origin (another port of 127.0.0.1
// is the same site, so the cookie rides along on its requests), serves no symlinks, and stays up
// whatever arrives: every request and frame gets an answer or a close, with sizes, sockets and header
// time capped (request-guards.ts).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import { extname, join, normalize, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { Engine } from '../engine/engine.ts';
import { serveEngine } from '../engine/connect.ts';
import { websocketServerPort } from '../transport/websocket-server-port.ts';
import { LIMITS, checkRequest, cookieName, parseRequestUrl } from './request-guards.ts';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** The same CSP as the desktop window, plus ws: to reach this server's socket and no framing. */
export const SERVE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

const SECURITY_HEADERS = {
  'content-security-policy': SERVE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

export interface ServeOptions {
  engine: Engine;
  /** Folder with the built renderer (index.html + assets). */
  staticDir: string;
  port?: number;
  host?: string;
  /** Fixed token (tests); a random one otherwise. */
  token?: string;
}

export interface RunningServer {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

function refuse(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' }).end(`${text}\n`);
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  if (socket.writable) socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

/**
 * The file under `root` a URL path names: only real files inside the folder, never through a symlink
 * (the built renderer has none); client-side routes fall back to the app shell.
 */
async function staticFile(root: string, pathname: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\u0000')) return null;
  const relative = normalize(decoded.replace(/\\/g, '/')).replace(/^([/\\])+/, '');
  const file = join(root, relative);
  if (file !== root && !file.startsWith(root + sep)) return null;
  const shell = join(root, 'index.html');
  const real = await realpath(file).catch(() => null);
  if (real === null) return shell;
  if (real !== file) return null; // a symlink somewhere on the way
  const info = await stat(real);
  if (info.isDirectory()) return shell;
  return info.isFile() ? real : null;
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const host = options.host ?? '127.0.0.1';
  const root = realpathSync(options.staticDir);
  let port = 0;
  const cookie = () => cookieName(port);

  const serveFile = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const file = await staticFile(root, url.pathname);
    if (file === null) return refuse(res, 404, 'not found');
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return refuse(res, 404, 'not found');
    }
    const headers: Record<string, string> = { ...SECURITY_HEADERS, 'content-type': MIME[extname(file)] ?? 'application/octet-stream' };
    if (url.searchParams.has('token')) headers['set-cookie'] = `${cookie()}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : body);
  };

  const server = createServer(
    {
      // Slow or never-finished headers (slowloris) are cut off; Node checks every connectionsCheckingInterval.
      headersTimeout: LIMITS.headersTimeoutMs,
      requestTimeout: LIMITS.requestTimeoutMs,
      connectionsCheckingInterval: 1000,
      maxHeaderSize: LIMITS.maxHeaderBytes,
    },
    (req, res) => {
      const url = parseRequestUrl(req.url);
      const problem = url === null ? { status: 400, text: 'bad request' } : checkRequest(req, url, { token, cookie: cookie(), hosts: [host] });
      if (problem) return refuse(res, problem.status, problem.text);
      if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'method not allowed');
      serveFile(req, res, url!).catch(() => refuse(res, 500, 'internal error'));
    },
  );
  server.maxConnections = LIMITS.maxConnections;
  server.keepAliveTimeout = LIMITS.keepAliveTimeoutMs;
  // Malformed requests, oversized headers, timeouts: answer 400 where the socket still takes it.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroy();
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: LIMITS.maxMessageBytes, clientTracking: true });
  wss.on('error', () => {}); // errors belong to single sockets, handled below
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy()); // a reset during the handshake must not reach the process
    const url = parseRequestUrl(req.url);
    const problem =
      url === null ? { status: 400, text: 'Bad Request' } : url.pathname !== '/api' ? { status: 404, text: 'Not Found' } : checkRequest(req, url, { token, cookie: cookie(), hosts: [host], socket: true });
    if (problem) return refuseUpgrade(socket, problem.status, problem.text);
    if (wss.clients.size >= LIMITS.maxSockets) return refuseUpgrade(socket, 503, 'Service Unavailable');
    try {
      wss.handleUpgrade(req, socket, head, (ws) => {
        // Protocol errors (bad opcode, unmasked or oversized frame, bad UTF-8, bad close code): ws closes
        // the socket with the right code; without this listener the error would end the process.
        ws.on('error', () => ws.terminate());
        const dispatcher = serveEngine(options.engine, websocketServerPort(ws));
        ws.on('close', () => dispatcher.dispose());
      });
    } catch {
      refuseUpgrade(socket, 400, 'Bad Request');
    }
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolveListen());
  });
  server.on('error', () => {}); // after listening, errors are per connection and handled there
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}/?token=${token}`,
    token,
    port,
    close: () =>
      new Promise<void>((resolveClose) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}
