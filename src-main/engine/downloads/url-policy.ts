// Which addresses a download may reach. The CLI and the desktop app fetch any http(s) URL the user
// types (a lab mirror, a local test server). Serve mode is reached from a browser, so a page or a
// colleague could otherwise make the server fetch its own internal services (SSRF): there every hop,
// redirects included, must be https to a host whose every DNS answer is a public address, and the
// connection itself uses an address checked the same way (no rebinding between check and connect).
// Origins the person running the server configured (a lab catalogue's mirror) are trusted as they are.
import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { promisify } from 'node:util';
import { EngineError } from '../errors.ts';

export interface UrlPolicy {
  /** Only https URLs (serve mode). */
  httpsOnly: boolean;
  /** Refuse loopback, private, link-local, CGNAT, multicast and reserved targets (serve mode). */
  publicOnly: boolean;
  /** Origins (`https://mirror.lab:8443`) the engine's own configuration names: fetched whatever their address. */
  trustedOrigins?: readonly string[];
  /** DNS resolution (tests give their own). */
  lookup?: (host: string) => Promise<LookupAddress[]>;
}

export const OPEN_POLICY: UrlPolicy = { httpsOnly: false, publicOnly: false };
export const SERVE_POLICY: UrlPolicy = { httpsOnly: true, publicOnly: true };

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23], ['2001:db8::', 32], ['2002::', 16],
  ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) blocked.addSubnet(net, prefix, 'ipv6');

/** True for an address a server may fetch from on a user's behalf: not loopback, private or reserved. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !blocked.check(address, 'ipv4');
  if (family !== 6) return false;
  const lower = address.toLowerCase();
  // IPv4-mapped and -compatible forms carry an IPv4 address that must pass the IPv4 rules.
  const mapped = /^::(ffff:(0:)?)?(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return isPublicAddress(mapped[3]!);
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hexMapped) {
    const hi = parseInt(hexMapped[1]!, 16);
    const lo = parseInt(hexMapped[2]!, 16);
    return isPublicAddress(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
  }
  return !blocked.check(address, 'ipv6');
}

const systemLookup = promisify(dnsLookup);

async function resolveAll(policy: UrlPolicy, host: string): Promise<LookupAddress[]> {
  if (policy.lookup) return policy.lookup(host);
  return systemLookup(host, { all: true, verbatim: true });
}

function refusal(url: string, reason: string): EngineError {
  return new EngineError('validation', `${url}: ${reason}; serve mode downloads only over https from public addresses (the CLI and the desktop app take any URL)`);
}

/** Throws unless `url` may be fetched under `policy` (every DNS answer checked). */
export async function checkUrl(url: string, policy: UrlPolicy): Promise<URL> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new EngineError('validation', `${url}: not a URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new EngineError('validation', `${url}: only http and https downloads are supported`);
  if (parsed.username || parsed.password) throw new EngineError('validation', `${url}: URLs with a user name or password are not accepted (they would end up in logs and the project)`);
  if (policy.trustedOrigins?.includes(parsed.origin)) return parsed;
  if (policy.httpsOnly && parsed.protocol !== 'https:') throw refusal(url, 'not https');
  if (!policy.publicOnly) return parsed;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    if (!isPublicAddress(host)) throw refusal(url, `${host} is not a public address`);
    return parsed;
  }
  let answers: LookupAddress[];
  try {
    answers = await resolveAll(policy, host);
  } catch (error) {
    throw new EngineError('io', `${url}: cannot resolve ${host} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): no network, or no such host`);
  }
  const inside = answers.find((a) => !isPublicAddress(a.address));
  if (answers.length === 0 || inside) throw refusal(url, `${host} resolves to ${inside?.address ?? 'nothing'}, not a public address`);
  return parsed;
}

/**
 * A `lookup` for the socket itself under a public-only policy: resolves, drops nothing silently and
 * fails the connection when any answer is not public, so DNS cannot change between check and connect.
 */
export function publicOnlyLookup(policy: UrlPolicy) {
  return (host: string, options: unknown, callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void): void => {
    const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all === true;
    const trusted = (policy.trustedOrigins ?? []).some((origin) => new URL(origin).hostname === host);
    resolveAll(policy, host).then(
      (answers) => {
        const inside = answers.find((a) => !isPublicAddress(a.address));
        if (answers.length === 0 || (inside && !trusted)) return callback(refusal(host, `${host} resolves to ${inside?.address ?? 'nothing'}, not a public address`), '');
        if (all) callback(null, answers);
        else callback(null, answers[0]!.address, answers[0]!.family);
      },
      (error: Error) => callback(error, ''),
    );
  };
}
