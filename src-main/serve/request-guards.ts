// What serve mode checks on every request and socket before anything else runs, and the limits that keep
// one client from taking the server down. Pure functions of the request, so each rule is tested alone.
import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';

export const LIMITS = {
  /** Largest WebSocket message (a call's arguments): far above any real call, far below memory trouble. */
  maxMessageBytes: 4 * 1024 * 1024,
  /** Open TCP connections (pages, assets, sockets, slow clients) before new ones are refused. */
  maxConnections: 512,
  /** Open WebSocket sessions (a browser tab holds one). */
  maxSockets: 64,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderBytes: 16 * 1024,
} as const;

/** One cookie per port: two sessions on one machine (same site for the browser) never overwrite each other. */
export function cookieName(port: number): string {
  return `unitscope_token_${port}`;
}

/**
 * The request target as a URL, or null when it is not a plain path. Parsed against a fixed base, so
 * targets such as `//`, `//?x`, `http://[` or `http://a:b` are refused instead of throwing.
 */
export function parseRequestUrl(target: string | undefined): URL | null {
  if (!target || !target.startsWith('/')) return null;
  try {
    return new URL(`http://unitscope${target}`);
  } catch {
    return null;
  }
}

function tokenMatches(given: string | undefined | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The host name of a Host header (`127.0.0.1:8080`, `[::1]:8080`, `localhost`), lower-cased. */
function hostName(header: string): string {
  const host = header.trim().toLowerCase();
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon >= 0 ? host.slice(0, colon) : host;
}

interface GuardOptions {
  token: string;
  cookie: string;
  /** Host names besides the loopback ones the server answers to (the address it listens on). */
  hosts: readonly string[];
  /** A WebSocket upgrade: then a browser's Origin must be this server's own. */
  socket?: boolean;
}

interface Refusal {
  status: number;
  text: string;
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/** Null when the request may proceed; otherwise the status and a short reason (never echoing input). */
export function checkRequest(req: IncomingMessage, url: URL, options: GuardOptions): Refusal | null {
  const host = req.headers.host;
  if (!host) return { status: 400, text: 'bad request: no Host header' };
  // A page on another name (DNS rebinding: evil.example resolving to 127.0.0.1) is not this server's.
  const names = [...LOOPBACK_NAMES, ...options.hosts.map((h) => h.toLowerCase())];
  if (!names.includes(hostName(host))) return { status: 403, text: 'forbidden: unknown host name' };
  // A browser names the page a request comes from. Only pages of this origin may talk to the API;
  // any page on another port of 127.0.0.1 is the same site, so the cookie alone proves nothing.
  const origin = req.headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== `http://${host.trim().toLowerCase()}`) return { status: 403, text: 'forbidden: another origin' };
  if (!options.socket) {
    const site = req.headers['sec-fetch-site'];
    const mode = req.headers['sec-fetch-mode'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none' && mode !== 'navigate') return { status: 403, text: 'forbidden: a request from another site' };
  }
  const given = url.searchParams.get('token') ?? cookieValue(req.headers.cookie, options.cookie);
  if (!tokenMatches(given, options.token)) return { status: 403, text: 'forbidden: open the URL printed by `unitscope serve` (it carries the session token)' };
  return null;
}
