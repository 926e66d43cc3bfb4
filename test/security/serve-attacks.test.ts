// The serve-mode attack suite (issue 14 acceptance): a real `unitscope serve` child process on
// 127.0.0.1, probed the way a hostile web page or local client could: malformed requests before and
// after authentication, every malformed WebSocket frame, oversized frames and arguments, slow and many
// sockets, cross-origin sockets carrying the cookie, foreign Host names, traversal in static paths,
// names and paths that try to leave the shared folders through the API, external-data models, crafted
// projects, prototype keys and a symlink race. After every probe the server must still answer; at the
// end no file has appeared outside the shared folders and no answer ever held the canary planted
// outside them. Each probe is bounded in time and size.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { WebSocket } from 'ws';
import { connectInProcess } from '../../src-main/engine/connect.ts';
import { Engine } from '../../src-main/engine/engine.ts';
import { generate } from '../../src-main/engine/onnx/generators/index.ts';
import { encodeModel } from '../../src-main/engine/onnx/proto.ts';
import { recordRecentProject } from '../../src-main/engine/recent-projects.ts';
import { Project } from '../../src-main/engine/project.ts';
import { ensureCategory, insertImage } from '../../src-main/engine/storage/stimuli-store.ts';
import { startServer } from '../../src-main/serve/http-server.ts';
import { cookieName, LIMITS } from '../../src-main/serve/request-guards.ts';
import { spawnCli } from '../support/run-cli.ts';
import { makeTinyProject } from '../engine/runs/tiny-project.ts';
import { writePng } from '../engine/stimuli/corpus.ts';
import { apiClient, closeCode, frame, rawExchange, rawWebSocket, snapshot, transcript, upgradeRequest } from './attack-support.ts';

const base = mkdtempSync(join(tmpdir(), 'unitscope-attacks-'));
const shared = join(base, 'shared'); // the project's folder: a root
const second = join(base, 'second'); // --root
const outside = join(base, 'outside');
const CANARY = `CANARY-${randomBytes(12).toString('hex')}`;
const project = join(shared, 'p.unitscope');
let server: ChildProcess;
let serverErr = '';
let port: number;
let token: string;
let cookie: string;
let outsideBefore: Map<string, string>;
let baseBefore: string[];

/** What lies in `base` outside the two roots. */
const outsideRoots = () => [...snapshot(base).keys()].filter((p) => !p.startsWith('shared') && !p.startsWith('second')).sort();

beforeAll(async () => {
  for (const dir of [shared, second, outside]) mkdirSync(dir);
  writeFileSync(join(outside, 'canary.txt'), CANARY);
  writeFileSync(join(outside, 'canary.bin'), Buffer.from(CANARY.repeat(4000)));
  await writePng(join(outside, 'faces', 'o.png'), 7);
  await writePng(join(second, 'stim', 'faces', 'a.png'), 1);
  await writePng(join(second, 'stim', 'faces', 'b.png'), 2);
  symlinkSync(outside, join(shared, 'out-link'));
  symlinkSync(join(outside, 'canary.txt'), join(shared, 'canary-link.txt'));
  symlinkSync(join(outside, 'made-through-link.unitscope'), join(shared, 'dangle.unitscope'));
  mkdirSync(join(shared, 'race-target'));
  // A project with a finished run (made before serving, as a user would on the command line).
  await makeTinyProject(project, 4, 2);
  const engine = new Engine();
  const local = connectInProcess(engine);
  await local.call('run.start', { path: project, model: 'tiny', provider: 'cpu' });
  local.disconnect();
  engine.close();
  // Another application's SQLite file named like a project, and a project that points outside.
  const other = new Database(join(shared, 'other-app.unitscope'));
  other.exec("CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('keep');");
  other.close();
  const crafted = Project.create(join(shared, 'crafted.unitscope'));
  insertImage(crafted.db, shared, { categoryId: ensureCategory(crafted.db, 'faces'), subcategory: null, absolutePath: join(outside, 'canary.txt'), storage: 'referenced', sha256: '0'.repeat(64), bytes: 1, width: 1, height: 1, channels: 3, format: 'png' });
  crafted.close();
  recordRecentProject(join(outside, 'secret.unitscope'), 'secret');
  outsideBefore = snapshot(outside);
  baseBefore = outsideRoots();

  server = spawnCli(['serve', project, '--root', second, '--port', '0', '--json']);
  server.stderr?.on('data', (chunk: Buffer) => (serverErr += chunk.toString()));
  const printed = await new Promise<{ url: string; port: number }>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve printed nothing in 180 s\n${serverErr}`)), 180_000);
    server.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      try {
        const json = JSON.parse(out) as { url: string; port: number };
        clearTimeout(timer);
        resolve(json);
      } catch {
        // not the whole document yet
      }
    });
    server.once('exit', (code) => reject(new Error(`serve exited with ${code}\n${serverErr}`)));
  });
  port = printed.port;
  token = new URL(printed.url).searchParams.get('token')!;
  cookie = `${cookieName(port)}=${token}`;
}, 240_000);

afterAll(async () => {
  server?.kill('SIGTERM');
  rmSync(base, { recursive: true, force: true });
});

/** The server is alive and answers a page request and an API call. */
async function expectHealthy(): Promise<void> {
  expect(server.exitCode, `serve exited:\n${serverErr}`).toBeNull();
  const page = await fetch(`http://127.0.0.1:${port}/`, { headers: { cookie } });
  expect(page.status).toBe(200);
  await page.text();
  const client = await apiClient(port, cookie);
  const answer = await client.call('app.version', {});
  client.close();
  expect((answer.result as { version: string }).version).toMatch(/\d+\.\d+/);
}

afterEach(expectHealthy, 30_000);

async function api(method: string, args: unknown) {
  const client = await apiClient(port, cookie);
  try {
    return await client.call(method, args);
  } finally {
    client.close();
  }
}

const status = (text: string) => Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);

describe('malformed HTTP before and after authentication', () => {
  const targets = ['//', '//?x', 'http://[', 'http://a:b', '*', '/%ZZ', '/%E0%A4%A', `/${'a'.repeat(20_000)}`, '/\u0000', '/?token=%00'];

  it('answers or closes every malformed request line, without and with the cookie', async () => {
    for (const withCookie of [false, true]) {
      for (const target of targets) {
        const answer = await rawExchange(port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${withCookie ? `Cookie: ${cookie}\r\n` : ''}Connection: close\r\n\r\n`);
        expect(answer.closed || status(answer.text) > 0, target).toBe(true);
        if (!withCookie) expect(status(answer.text), target).not.toBe(200);
      }
    }
  });

  it('answers or closes garbage, oversized headers, bad versions, chunking and methods', async () => {
    const probes = [
      Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]), // a TLS hello
      Buffer.from(randomBytes(4096)),
      `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Big: ${'a'.repeat(LIMITS.maxHeaderBytes * 2)}\r\n\r\n`,
      'GET / HTTP/1.0\r\n\r\n',
      `GET / HTTP/9.9\r\nHost: 127.0.0.1:${port}\r\n\r\n`,
      `POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${cookie}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`,
      `PUT /?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 5\r\n\r\nhello`,
      `CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n`,
      `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: -1\r\n\r\n`,
      `GET /api HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`, // no key
      upgradeRequest(port, { Cookie: cookie, 'Sec-WebSocket-Version': '8' }),
      `GET /api HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: h2c\r\nConnection: Upgrade\r\nCookie: ${cookie}\r\n\r\n`,
    ];
    for (const probe of probes) {
      const answer = await rawExchange(port, probe);
      expect(answer.closed || status(answer.text) > 0).toBe(true);
      expect(status(answer.text)).not.toBe(101);
    }
  });
});

describe('static files', () => {
  const traversals = [
    '/../../outside/canary.txt',
    '/..%2f..%2f..%2foutside%2fcanary.txt',
    '/%2e%2e/%2e%2e/%2e%2e/outside/canary.txt',
    '/%252e%252e/%252e%252e/outside/canary.txt',
    '/..\\..\\..\\outside\\canary.txt',
    '/..%5c..%5c..%5coutside%5ccanary.txt',
    '/assets/../../../../../../etc/passwd',
    '/....//....//etc/passwd',
    '/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd',
    `/${join(outside, 'canary.txt')}`,
    `//${join(outside, 'canary.txt')}`,
  ];

  it('never serves a file from outside the renderer folder, however the path is written', async () => {
    for (const target of traversals) {
      const answer = await rawExchange(port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${cookie}\r\nConnection: close\r\n\r\n`);
      expect(answer.text, target).not.toContain(CANARY);
      expect(answer.text, target).not.toMatch(/root:.*:0:0:/);
    }
  });

  it('does not follow a symlink inside the static folder', async () => {
    const staticDir = join(base, 'second', 'static');
    mkdirSync(staticDir);
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>shell</title>');
    symlinkSync(join(outside, 'canary.txt'), join(staticDir, 'leak.txt'));
    symlinkSync(outside, join(staticDir, 'leakdir'));
    const local = await startServer({ engine: new Engine({ mode: 'serve', roots: [] }), staticDir, token: 't'.repeat(32) });
    try {
      for (const path of ['/leak.txt', '/leakdir/canary.txt', '/leakdir/']) {
        const response = await fetch(`http://127.0.0.1:${local.port}${path}?token=${'t'.repeat(32)}`);
        const text = await response.text();
        transcript.push(text);
        expect(text, path).not.toContain(CANARY);
      }
    } finally {
      await local.close();
    }
  });
});

describe('malformed WebSocket frames', () => {
  const probes: [string, Buffer][] = [
    ['a reserved opcode', frame(0x3, 'x')],
    ['an unmasked client frame', frame(0x1, '{"type":"call"}', { mask: false })],
    ['text that is not UTF-8', frame(0x1, Buffer.from([0xff, 0xfe, 0xfd]))],
    ['RSV1 without an extension', frame(0x1, 'x', { rsv1: true })],
    ['close code 999', frame(0x8, Buffer.from([0x03, 0xe7]))],
    ['a fragmented control frame', frame(0x9, 'ping', { fin: false })],
    ['a continuation with nothing to continue', frame(0x0, 'x')],
    ['a control frame over 125 bytes', frame(0x9, 'p'.repeat(200))],
    ['a frame declaring 65 MiB', frame(0x1, 'x'.repeat(1000), { declaredLength: 65 * 1024 * 1024 })],
    ['a frame declaring 2^63 bytes', Buffer.concat([Buffer.from([0x81, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), randomBytes(4)])],
    ['a binary frame', frame(0x2, randomBytes(64))],
    ['text that is not JSON', frame(0x1, 'hello')],
    ['JSON that is not a call', frame(0x1, '{"type":"result","id":1}')],
    ['JSON nested a million deep', frame(0x1, `${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`)],
  ];

  for (const [what, bytes] of probes) {
    it(`closes on ${what}`, async () => {
      const ws = await rawWebSocket(port, cookie);
      ws.socket.write(bytes);
      // Closed: the connection ended, or the server sent its close frame (it then waits for ours).
      const deadline = Date.now() + 5000;
      let closed = false;
      ws.closed.then(() => (closed = true), () => {});
      while (!closed && closeCode(ws.received()) === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      closed ||= closeCode(ws.received()) !== null;
      ws.socket.destroy();
      transcript.push(ws.received().toString('latin1'));
      expect(closed, what).toBe(true);
      const code = closeCode(ws.received());
      if (code !== null) expect(code, what).toBeGreaterThanOrEqual(1000);
    });
  }

  it('a real 60 MB message is refused with a close, not echoed', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/api`, { headers: { cookie, origin: `http://127.0.0.1:${port}` } });
    await new Promise((r) => socket.once('open', r));
    const code = await new Promise<number>((resolve) => {
      socket.once('close', (c) => resolve(c));
      socket.on('error', () => {});
      socket.send(JSON.stringify({ type: 'call', id: 1, method: 'project.info', args: { path: 'x'.repeat(60_000_000) } }));
    });
    // 1009 (too big); 1006 when the server's close cuts the connection while the client is still sending.
    expect([1006, 1009]).toContain(code);
  });
});

describe('huge arguments', () => {
  it('an argument of 3 MB gets a short validation error', async () => {
    const answer = await api('project.info', { path: `${'x'.repeat(3_000_000)}.unitscope` });
    expect(answer.error?.kind).toBe('validation');
    expect(answer.bytes).toBeLessThan(20_000);
  });

  it('a method name of 3 MB gets a short error', async () => {
    const answer = await api('m'.repeat(3_000_000), {});
    expect(answer.error?.kind).toBe('unknown_method');
    expect(answer.bytes).toBeLessThan(20_000);
  });

  it('ten thousand issues are summarised, not listed', async () => {
    const answer = await api('stimuli.thumbnails', { path: project, ids: Array.from({ length: 10_000 }, () => 'x') });
    expect(answer.error?.kind).toBe('validation');
    expect(answer.bytes).toBeLessThan(50_000);
  });
});

describe('slow and many sockets', () => {
  it('cuts off clients that never finish their headers (slowloris), answering others meanwhile', async () => {
    const { connect } = await import('node:net');
    const sockets = Array.from({ length: 40 }, () => connect(port, '127.0.0.1'));
    const closed = sockets.map((s) => new Promise<void>((r) => (s.on('close', () => r()), s.on('error', () => r()))));
    for (const s of sockets) s.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
    const drip = setInterval(() => sockets.forEach((s) => s.writable && s.write('X-a: b\r\n')), 500);
    await expectHealthy();
    const all = await Promise.race([Promise.all(closed).then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), LIMITS.headersTimeoutMs * 3))]);
    clearInterval(drip);
    sockets.forEach((s) => s.destroy());
    expect(all).toBe(true);
  }, 60_000);

  it('refuses connections and sockets beyond its caps and recovers when they close', async () => {
    const { connect } = await import('node:net');
    const idle = await Promise.all(Array.from({ length: LIMITS.maxConnections + 100 }, () => new Promise<import('node:net').Socket>((r) => {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => {});
      s.once('connect', () => r(s));
      s.once('close', () => r(s));
    })));
    for (const s of idle) s.destroy();
    const sockets: WebSocket[] = [];
    let refused = 0;
    for (let i = 0; i < LIMITS.maxSockets + 10; i++) {
      const s = new WebSocket(`ws://127.0.0.1:${port}/api`, { headers: { cookie, origin: `http://127.0.0.1:${port}` } });
      sockets.push(s);
      const outcome = await new Promise<string>((r) => {
        s.once('open', () => r('open'));
        s.once('unexpected-response', (_q, res) => r(String(res.statusCode)));
        s.once('error', () => r('error'));
      });
      if (outcome !== 'open') refused++;
    }
    expect(refused).toBeGreaterThanOrEqual(10);
    for (const s of sockets) s.terminate();
    await new Promise((r) => setTimeout(r, 500));
  }, 60_000);
});

describe('origin, host and cookie', () => {
  async function upgradeStatus(headers: Record<string, string>): Promise<number> {
    return status((await rawExchange(port, upgradeRequest(port, headers))).text);
  }

  it('refuses a socket carrying the cookie from another origin (another port of 127.0.0.1 too)', async () => {
    for (const origin of [`http://127.0.0.1:${port + 1}`, 'http://localhost:5173', 'null', 'http://evil.example', `https://127.0.0.1:${port}`]) {
      expect(await upgradeStatus({ Cookie: cookie, Origin: origin }), origin).toBe(403);
    }
    expect(await upgradeStatus({ Cookie: cookie, Origin: `http://127.0.0.1:${port}` })).toBe(101);
  });

  it('answers only its own host names, for pages and sockets (DNS rebinding)', async () => {
    const page = await rawExchange(port, `GET /?token=${token} HTTP/1.1\r\nHost: evil.example:${port}\r\nConnection: close\r\n\r\n`);
    expect(status(page.text)).toBe(403);
    const socket = await rawExchange(port, upgradeRequest(port, { Cookie: cookie }).replace(`Host: 127.0.0.1:${port}`, `Host: rebind.evil.example:${port}`));
    expect(status(socket.text)).toBe(403);
  });

  it("names the cookie after its port and ignores another session's", async () => {
    const response = await fetch(`http://127.0.0.1:${port}/?token=${token}`);
    expect(response.headers.get('set-cookie')).toMatch(new RegExp(`^unitscope_token_${port}=.*HttpOnly; SameSite=Strict`));
    const other = await fetch(`http://127.0.0.1:${port}/`, { headers: { cookie: `${cookieName(port + 1)}=${token}` } });
    expect(other.status).toBe(403);
  });

  it("refuses another site's subresource requests that carry the cookie", async () => {
    const response = await fetch(`http://127.0.0.1:${port}/`, { headers: { cookie, 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors' } });
    expect(response.status).toBe(403);
  });
});

describe('names through the API', () => {
  const BAD = ['../x', '../../../escaped', '/abs', 'a/b', '..', 'CON', '', 'x'.repeat(300), 'a\u0000b', '．．', 'a\\..\\b'];

  it('refuses every bad name in every name argument before anything runs', async () => {
    const client = await apiClient(port, cookie);
    for (const bad of BAD) {
      const calls: [string, unknown][] = [
        ['stimuli.import', { path: project, source: join(second, 'stim'), map: { faces: bad }, copy: true }],
        ['stimuli.import', { path: project, source: join(second, 'stim'), controls: { [bad]: null } }],
        ['stimuli.scramble', { path: project, from: 'faces', as: bad, method: 'block' }],
        ['model.download', { path: project, id: 'resnet50', url: 'http://127.0.0.1:9/m.onnx', name: bad }],
        ['model.add', { path: project, file: join(shared, 'p.files', 'tiny.onnx'), name: bad }],
        ['project.create', { path: join(shared, 'named.unitscope'), name: bad }],
        ['project.rename', { path: project, name: bad }],
      ];
      for (const [method, args] of calls) expect((await client.call(method, args)).error?.kind, `${method} ${JSON.stringify(bad.slice(0, 12))}`).toBe('validation');
    }
    client.close();
  });

  it('a manifest category that is a path is a problem line, and --copy writes nothing outside', async () => {
    writeFileSync(join(second, 'm.csv'), `stim_file,category\nstim/faces/a.png,../../../../escaped\nstim/faces/b.png,faces\n`);
    const answer = await api('stimuli.import', { path: project, source: join(second, 'm.csv'), copy: true });
    const result = answer.result as { imported: number; problems: { reason: string }[] };
    expect(result.imported).toBe(1);
    expect(result.problems.some((p) => /is not a valid name/.test(p.reason))).toBe(true);
  });
});

describe('paths through the API', () => {
  const canaryPath = join(outside, 'canary.txt');

  it('refuses every path outside the shared folders, however it is reached', async () => {
    const client = await apiClient(port, cookie);
    const calls: [string, unknown][] = [
      ['project.create', { path: join(outside, 'p.unitscope') }],
      ['project.create', { path: join(shared, '..', 'outside', 'p.unitscope') }],
      ['project.create', { path: join(shared, 'out-link', 'p.unitscope') }],
      ['project.create', { path: join(shared, 'dangle.unitscope') }],
      ['project.info', { path: join(outside, 'secret.unitscope') }],
      ['project.duplicate', { path: project, to: join(shared, 'out-link', 'copy.unitscope') }],
      ['project.rename', { path: project, to: join(outside, 'moved.unitscope') }],
      ['fs.list', { path: '/' }],
      ['fs.list', { path: '/etc' }],
      ['fs.list', { path: join(shared, 'out-link') }],
      ['fs.list', { path: `${shared}/..` }],
      ['stimuli.import', { path: project, source: outside }],
      ['stimuli.import', { path: project, source: join(shared, 'canary-link.txt') }],
      ['stimuli.import', { path: project, source: '/etc/passwd' }],
      ['stimuli.demo', { outDir: join(outside, 'demo') }],
      ['demo.create', { out: join(shared, 'out-link', 'demo') }],
      ['export.run', { path: project, run: 1, format: 'csv', out: join(outside, 'export') }],
      ['export.run', { path: project, run: 1, format: 'csv', out: join(shared, 'out-link', 'export') }],
      ['model.generate', { kind: 'tiny', out: join(outside, 'm.onnx') }],
      ['model.generate', { kind: 'tiny', out: join(shared, 'canary-link.txt') }],
      ['model.add', { path: project, file: canaryPath, name: 'canary' }],
      ['shard.bundle', { path: project, model: 'tiny', out: join(outside, 'bundle') }],
      ['shard.run', { source: project, model: 'tiny', shard: { index: 1, count: 1 }, out: join(outside, 's.partial') }],
      ['shard.merge', { path: project, files: ['/etc/passwd'] }],
      ['shard.status', { path: project, files: [outside] }],
      ['analysis.replicate', { path: project, run: 1, pathB: join(outside, 'b.unitscope'), runB: 1 }],
      ['analysis.ablate', { path: project, run: 1, layer: 'x', category: 'faces', evalPath: join(shared, 'out-link', 'e.unitscope') }],
    ];
    for (const [method, args] of calls) {
      const answer = await client.call(method, args);
      expect(answer.error?.message, `${method} ${JSON.stringify(args).slice(0, 120)}`).toContain('outside the folders shared');
    }
    for (const path of [`${'a/'.repeat(3000)}p.unitscope`, `${shared}/p\u0000.unitscope`]) {
      expect((await client.call('project.info', { path })).error?.kind).toBe('validation');
    }
    client.close();
  });

  it('lists only what lies inside, and no recent project from outside', async () => {
    const listing = (await api('fs.list', { path: shared })).result as { entries: { name: string }[] };
    expect(listing.entries.map((e) => e.name)).not.toContain('out-link');
    expect(listing.entries.map((e) => e.name)).not.toContain('canary-link.txt');
    const recent = (await api('project.recent', {})).result as { path: string }[];
    expect(recent.some((r) => r.path.startsWith(outside))).toBe(false);
  });

  it("refuses to export over another project's files", async () => {
    const answer = await api('export.run', { path: project, run: 1, format: 'csv', out: join(shared, 'p.files') });
    expect(answer.error?.message).toMatch(/holds other files/);
  });

  it("never migrates or deletes another application's SQLite file, nor opens a project pointing outside", async () => {
    const before = readFileSync(join(shared, 'other-app.unitscope'));
    for (const method of ['project.info', 'project.open', 'project.delete']) {
      expect((await api(method, { path: join(shared, 'other-app.unitscope') })).error?.message).toMatch(/not a Unitscope project/);
    }
    expect(readFileSync(join(shared, 'other-app.unitscope')).equals(before)).toBe(true);
    for (const method of ['project.open', 'stimuli.check', 'run.list']) {
      expect((await api(method, { path: join(shared, 'crafted.unitscope') })).error?.message).toMatch(/outside the folders shared/);
    }
  });

  it('a model whose external data lies outside is refused before reading it', async () => {
    const model = generate('tiny', 3);
    const tensor = model.graph!.initializer!.find((t) => (t.rawData?.length ?? 0) > 64)!;
    const n = tensor.rawData!.length;
    for (const [name, location] of [['abs', join(outside, 'canary.bin')], ['dots', '../outside/canary.bin'], ['link', 'canary-link.txt']] as const) {
      Object.assign(tensor, { rawData: new Uint8Array(0), dataLocation: 1, externalData: [{ key: 'location', value: location }, { key: 'offset', value: '0' }, { key: 'length', value: String(n) }] });
      writeFileSync(join(shared, `${name}.onnx`), encodeModel(model));
      const answer = await api('model.add', { path: project, file: join(shared, `${name}.onnx`), name: `ext-${name}`, preset: 'none' });
      expect(answer.error?.kind, name).toBe('bad_input');
      expect(answer.error?.message, name).toMatch(/external-data location/);
    }
  });

  it('prototype keys are neither methods nor arguments', async () => {
    const client = await apiClient(port, cookie);
    for (const method of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '__defineGetter__', 'valueOf']) {
      expect((await client.call(method, {})).error?.kind, method).toBe('unknown_method');
    }
    client.send('{"type":"call","id":900,"method":"app.session","args":{"__proto__":{"mode":"cli","roots":["/"]}},"__proto__":{"type":"cancel"}}');
    const polluted = await client.call('stimuli.import', JSON.parse(`{"path":${JSON.stringify(project)},"source":${JSON.stringify(join(second, 'stim'))},"map":{"__proto__":"faces","constructor":"x"},"__proto__":{"copy":true}}`));
    expect(polluted.error === undefined || polluted.error.kind !== 'internal').toBe(true);
    const session = (await client.call('app.session', {})).result as { mode: string; roots: string[] };
    expect(session.mode).toBe('serve');
    expect(session.roots).not.toContain('/');
    client.close();
  });

  it('a symlink swapped back and forth during writes never lets one land outside', async () => {
    const race = join(shared, 'race');
    let stop = false;
    const swapper = (async () => {
      while (!stop) {
        try {
          symlinkSync(outside, `${race}.tmp`);
          renameSync(`${race}.tmp`, race);
          await new Promise((r) => setImmediate(r));
          unlinkSync(race);
          symlinkSync(join(shared, 'race-target'), `${race}.tmp`);
          renameSync(`${race}.tmp`, race);
        } catch {
          // the other side of the race
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    const client = await apiClient(port, cookie);
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => client.call('model.generate', { kind: 'tiny', seed: i, out: join(race, `m${i}.onnx`) })));
    stop = true;
    await swapper;
    client.close();
    expect(snapshot(outside)).toEqual(outsideBefore);
    // Each write either landed inside or was refused (never an internal error).
    for (const answer of answers) if (answer.error) expect(answer.error.message).toMatch(/outside the folders shared|no such file|ENOENT|EEXIST|already/);
  }, 60_000);
});

describe('after every probe', () => {
  it('no file appeared outside the shared folders', () => {
    expect(snapshot(outside)).toEqual(outsideBefore);
    expect(outsideRoots()).toEqual(baseBefore);
  });

  it('no answer ever held the canary from outside', () => {
    expect(transcript.length).toBeGreaterThan(100);
    const leaked = transcript.filter((t) => t.includes(CANARY) || t.includes(Buffer.from(CANARY).toString('base64').slice(0, 24)));
    expect(leaked).toEqual([]);
  });
});
