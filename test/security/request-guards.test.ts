// The checks every serve-mode request and socket passes first (issue 14 items 3 and 4), one rule at a
// time; the attack suite (serve-attacks.test.ts) sends the same probes to a real server.
import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { checkRequest, cookieName, parseRequestUrl } from '../../src-main/serve/request-guards.ts';

const token = 'T'.repeat(32);
const options = { token, cookie: cookieName(4000), hosts: ['127.0.0.1'] };
const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const check = (headers: Record<string, string>, target = `/?token=${token}`, socket = false) =>
  checkRequest(request(headers), parseRequestUrl(target)!, { ...options, socket })?.status ?? 200;

describe('request targets', () => {
  it('refuses targets that are not plain paths instead of throwing', () => {
    for (const target of ['http://[', '*', '', 'x', undefined]) expect(parseRequestUrl(target), String(target)).toBeNull();
    // '//' and '//?x' are paths of this server, not another host.
    expect(parseRequestUrl('//?x')?.host).toBe('unitscope');
    expect(parseRequestUrl('http://a:b')).toBeNull();
    expect(parseRequestUrl('//')?.pathname).toBe('//');
  });
});

describe('host, origin, site and token', () => {
  it('answers only its own host names (DNS rebinding)', () => {
    expect(check({ host: '127.0.0.1:4000' })).toBe(200);
    expect(check({ host: 'localhost:9000' })).toBe(200); // ssh -L to another local port
    expect(check({ host: 'evil.example:4000' })).toBe(403);
    expect(check({ host: '127.0.0.1.evil.example' })).toBe(403);
    expect(check({})).toBe(400);
  });

  it('accepts a socket only from its own origin, including another port of 127.0.0.1', () => {
    expect(check({ host: '127.0.0.1:4000', origin: 'http://127.0.0.1:4000' }, '/api', true)).toBe(403); // no token
    const cookie = `${cookieName(4000)}=${token}`;
    expect(check({ host: '127.0.0.1:4000', origin: 'http://127.0.0.1:4000', cookie }, '/api', true)).toBe(200);
    expect(check({ host: '127.0.0.1:4000', origin: 'http://127.0.0.1:5173', cookie }, '/api', true)).toBe(403);
    expect(check({ host: '127.0.0.1:4000', origin: 'null', cookie }, '/api', true)).toBe(403);
    expect(check({ host: '127.0.0.1:4000', origin: 'http://evil.example', cookie }, '/api', true)).toBe(403);
  });

  it("refuses another site's subresource requests, not a navigation to the app", () => {
    const cookie = `${cookieName(4000)}=${token}`;
    expect(check({ host: '127.0.0.1:4000', cookie, 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors' }, '/')).toBe(403);
    expect(check({ host: '127.0.0.1:4000', cookie, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' }, '/')).toBe(200);
    expect(check({ host: '127.0.0.1:4000', cookie, 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' }, '/')).toBe(200);
  });

  it('reads the token from its own port\'s cookie only', () => {
    expect(check({ host: '127.0.0.1:4000', cookie: `${cookieName(4001)}=${token}` }, '/')).toBe(403);
    expect(check({ host: '127.0.0.1:4000', cookie: `a=b; ${cookieName(4000)}=${token}` }, '/')).toBe(200);
    expect(check({ host: '127.0.0.1:4000' }, '/?token=wrong')).toBe(403);
  });
});
