// HTTP GET for downloads through undici: proxies from the environment (HTTPS_PROXY, HTTP_PROXY,
// NO_PROXY, also lowercase; Node's own fetch ignores them), redirects followed by hand so every hop is
// checked against the URL policy, and network failures turned into messages that say what happened.
import type { Readable } from 'node:stream';
import { EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import { EngineError } from '../errors.ts';
import { checkUrl, publicOnlyLookup, type UrlPolicy } from './url-policy.ts';

export interface ProxyEnvironment {
  httpProxy: string;
  httpsProxy: string;
  noProxy: string;
}

/** The proxy settings of an environment ('' = none), read the way curl and pip read them. */
export function proxyEnvironment(env: NodeJS.ProcessEnv = process.env): ProxyEnvironment {
  return {
    httpProxy: env.http_proxy ?? env.HTTP_PROXY ?? '',
    httpsProxy: env.https_proxy ?? env.HTTPS_PROXY ?? env.http_proxy ?? env.HTTP_PROXY ?? '',
    noProxy: env.no_proxy ?? env.NO_PROXY ?? '',
  };
}

export function createDispatcher(policy: UrlPolicy, proxies: ProxyEnvironment): Dispatcher {
  return new EnvHttpProxyAgent({
    httpProxy: proxies.httpProxy,
    httpsProxy: proxies.httpsProxy,
    noProxy: proxies.noProxy,
    // Direct connections resolve through the policy's check; a proxy (set by whoever runs the server)
    // resolves the target itself, which checkUrl has vetted before the request.
    ...(policy.publicOnly ? { connect: { lookup: publicOnlyLookup(policy) } } : {}),
  });
}

/** A connection-level failure; `retryable` when resuming could help (a drop, a stall, a reset). */
export class NetworkFailure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'NetworkFailure';
  }
}

function errorCode(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** What a failed connection means for the user, and whether trying again from the bytes we have may help. */
export function describeNetworkError(url: string, error: unknown): EngineError | NetworkFailure {
  if (error instanceof EngineError || error instanceof NetworkFailure) return error;
  const host = (() => {
    try {
      return new URL(url).host;
    } catch {
      return url;
    }
  })();
  const code = errorCode(error);
  const message = (error as Error)?.message ?? String(error);
  if (/proxy response/i.test(message)) return new EngineError('io', `${url}: the proxy refused the connection (${message}); check HTTPS_PROXY / HTTP_PROXY`);
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new EngineError('io', `${url}: cannot resolve ${host}: no network, or no such host`);
    case 'ECONNREFUSED':
      return new EngineError('io', `${url}: ${host} refused the connection`);
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return new EngineError('io', `${url}: ${host} is unreachable: no network?`);
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return new NetworkFailure(`timed out connecting to ${host}`, true);
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return new NetworkFailure(`${host} stopped sending`, true);
    case 'CERT_HAS_EXPIRED':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return new EngineError('io', `${url}: the TLS certificate of ${host} is not valid (${code})`);
    default:
      return new NetworkFailure(`the connection to ${host} failed (${code ?? message})`, true);
  }
}

export interface Response {
  url: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

function header(headers: Response['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function headerValue(res: Response, name: string): string | undefined {
  return header(res.headers, name);
}

/** GET `url`, following up to `redirects` redirects, each hop checked against the policy. */
export async function get(
  url: string,
  options: { headers?: Record<string, string>; signal?: AbortSignal; policy: UrlPolicy; dispatcher: Dispatcher; redirects?: number },
): Promise<Response> {
  let current = url;
  for (let hop = 0; hop <= (options.redirects ?? 5); hop++) {
    await checkUrl(current, options.policy);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(current, { method: 'GET', headers: options.headers ?? {}, signal: options.signal, dispatcher: options.dispatcher });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw describeNetworkError(current, error);
    }
    const location = header(res.headers, 'location');
    if (res.statusCode >= 300 && res.statusCode < 400 && location) {
      res.body.resume();
      current = new URL(location, current).toString();
      continue;
    }
    return { url: current, status: res.statusCode, headers: res.headers, body: res.body };
  }
  throw new EngineError('io', `${url}: too many redirects`);
}
