// Where downloads may go. Serve mode (issue 14's SSRF probe fetched an internal 127.0.0.1 URL and kept
// the body): only https, only public addresses, every redirect hop checked, lab-catalogue origins
// trusted; the CLI and desktop take any URL. Proxies come from the environment, NO_PROXY honoured.
import { createServer as createHttpServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectInProcess } from '../../../src-main/engine/connect.ts';
import { downloadFile } from '../../../src-main/engine/downloads/download.ts';
import { proxyEnvironment } from '../../../src-main/engine/downloads/http.ts';
import { checkUrl, isPublicAddress, SERVE_POLICY, type UrlPolicy } from '../../../src-main/engine/downloads/url-policy.ts';
import { Engine } from '../../../src-main/engine/engine.ts';
import { startFileServer, type FileServer } from '../../support/file-server.ts';
import { scratchDirs } from '../../support/scratch.ts';

const tempDir = scratchDirs();

let files: FileServer;
let proxy: Server;
let proxyUrl = '';
const tunnels: string[] = [];

beforeAll(async () => {
  files = await startFileServer({ '/file.bin': Buffer.from('model bytes'), '/secret': Buffer.from('internal') });
  files.redirect('/hop', `http://internal.test:${new URL(files.base).port}/secret`);
  // A CONNECT proxy that records each tunnel's target and sends every one to the local file server,
  // whatever host it names (so made-up host names reach it).
  proxy = createHttpServer();
  proxy.on('connect', (req, socket, head) => {
    tunnels.push(req.url ?? '');
    const upstream = connect(Number(new URL(files.base).port), '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await files.close();
  proxy.closeAllConnections();
  await new Promise((r) => proxy.close(r));
});

describe('public addresses', () => {
  it.each([
    ['127.0.0.1', false], ['10.1.2.3', false], ['172.20.0.1', false], ['192.168.1.1', false], ['169.254.169.254', false],
    ['100.64.0.1', false], ['0.0.0.0', false], ['224.0.0.1', false], ['::1', false], ['fe80::1', false], ['fd00::1', false],
    ['::ffff:127.0.0.1', false], ['::ffff:7f00:1', false], ['::', false],
    ['8.8.8.8', true], ['93.184.216.34', true], ['2606:4700:4700::1111', true], ['::ffff:8.8.8.8', true],
  ])('%s public: %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });

  it('serve policy: https only, IP literals and every DNS answer checked', async () => {
    const lookup = async (host: string) => (host === 'huggingface.test' ? [{ address: '18.1.2.3', family: 4 }] : host === 'mixed.test' ? [{ address: '18.1.2.3', family: 4 }, { address: '10.0.0.1', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]);
    const policy: UrlPolicy = { ...SERVE_POLICY, lookup };
    await expect(checkUrl('https://huggingface.test/m.onnx', policy)).resolves.toBeInstanceOf(URL);
    await expect(checkUrl('http://huggingface.test/m.onnx', policy)).rejects.toThrow(/not https; serve mode downloads only over https from public addresses/);
    await expect(checkUrl('https://127.0.0.1:8443/x', policy)).rejects.toThrow(/127\.0\.0\.1 is not a public address/);
    await expect(checkUrl('https://[::1]/x', policy)).rejects.toThrow(/::1 is not a public address/);
    await expect(checkUrl('https://mixed.test/x', policy)).rejects.toThrow(/mixed\.test resolves to 10\.0\.0\.1/);
    await expect(checkUrl('https://localhost/x', policy)).rejects.toThrow(/localhost resolves to 127\.0\.0\.1/);
    await expect(checkUrl('https://user:pw@huggingface.test/x', policy)).rejects.toThrow(/user name or password/);
    await expect(checkUrl('http://10.0.0.9:8000/m.onnx', { ...policy, trustedOrigins: ['http://10.0.0.9:8000'] })).resolves.toBeInstanceOf(URL);
  });
});

describe('proxies', () => {
  it('reads HTTPS_PROXY / HTTP_PROXY / NO_PROXY, lowercase first', () => {
    expect(proxyEnvironment({ HTTPS_PROXY: 'http://a:1', http_proxy: 'http://b:2', NO_PROXY: 'x.org' })).toEqual({ httpProxy: 'http://b:2', httpsProxy: 'http://a:1', noProxy: 'x.org' });
    expect(proxyEnvironment({})).toEqual({ httpProxy: '', httpsProxy: '', noProxy: '' });
  });

  it('downloads through the proxy, and around it for NO_PROXY hosts', async () => {
    tunnels.length = 0;
    const dest = join(tempDir(), 'a.bin');
    await downloadFile({ url: `${files.base}/file.bin`, dest, proxies: { httpProxy: proxyUrl, httpsProxy: proxyUrl, noProxy: '' } });
    expect(readFileSync(dest, 'utf8')).toBe('model bytes');
    expect(tunnels).toEqual([new URL(files.base).host]);
    const direct = join(tempDir(), 'b.bin');
    await downloadFile({ url: `${files.base}/file.bin`, dest: direct, proxies: { httpProxy: proxyUrl, httpsProxy: proxyUrl, noProxy: '127.0.0.1' } });
    expect(tunnels).toHaveLength(1);
  });

  it('a redirect to a private address is refused under a public-only policy, before anything is fetched from it', async () => {
    const port = new URL(files.base).port;
    const lookup = async (host: string) => [{ address: host === 'public.test' ? '93.184.216.34' : '10.0.0.5', family: 4 }];
    const policy: UrlPolicy = { httpsOnly: false, publicOnly: true, lookup };
    const proxies = { httpProxy: proxyUrl, httpsProxy: proxyUrl, noProxy: '' };
    const ok = join(tempDir(), 'ok.bin');
    await downloadFile({ url: `http://public.test:${port}/file.bin`, dest: ok, policy, proxies });
    expect(readFileSync(ok, 'utf8')).toBe('model bytes');
    files.requests.length = 0;
    await expect(downloadFile({ url: `http://public.test:${port}/hop`, dest: join(tempDir(), 'x.bin'), policy, proxies })).rejects.toThrow(/internal\.test resolves to 10\.0\.0\.5, not a public address/);
    expect(files.requests.map((r) => r.path)).toEqual(['/hop']);
  });
});

describe('serve mode', () => {
  it('model.download and stimuli.fetchFloc refuse internal URLs and fetch nothing; the CLI engine fetches them', async () => {
    const dir = tempDir();
    const engine = new Engine({ mode: 'serve', roots: [dir] });
    const client = connectInProcess(engine);
    try {
      const path = join(dir, 'p.unitscope');
      await client.call('project.create', { path });
      files.requests.length = 0;
      const port = new URL(files.base).port;
      for (const url of [`${files.base}/file.bin`, `https://127.0.0.1:${port}/file.bin`, `https://localhost:${port}/file.bin`, `https://[::ffff:127.0.0.1]:${port}/file.bin`]) {
        await expect(client.call('model.download', { path, id: 'resnet50-imagenet-v1', url })).rejects.toMatchObject({ kind: 'validation', message: expect.stringMatching(/serve mode downloads only over https from public addresses/) });
      }
      await expect(client.call('stimuli.fetchFloc', { path, url: `${files.base}/file.bin` })).rejects.toThrow(/serve mode downloads only over https/);
      await expect(client.call('stimuli.fetchFloc', { path, url: '/etc/hostname' })).rejects.toThrow(/outside the folders shared/);
      expect(files.requests).toEqual([]);
    } finally {
      client.disconnect();
      engine.close();
    }
    const cli = new Engine({ mode: 'cli' });
    const cliClient = connectInProcess(cli);
    try {
      const path = join(dir, 'q.unitscope');
      await cliClient.call('project.create', { path });
      await expect(cliClient.call('model.download', { path, id: 'resnet50-imagenet-v1', url: `${files.base}/file.bin` })).rejects.toThrow(/checksum mismatch/);
      expect(files.requests.map((r) => r.path)).toEqual(['/file.bin']);
    } finally {
      cliClient.disconnect();
      cli.close();
    }
  });

  it('trusts the origins of a lab catalogue (UNITSCOPE_CATALOGUE), chosen by whoever started the server', async () => {
    const dir = tempDir();
    const catalogueFile = join(dir, 'lab.json');
    writeFileSync(catalogueFile, JSON.stringify([{ name: 'lab-net', title: 'Lab net', licence: 'internal', url: `${files.base}/file.bin`, sha256: 'a'.repeat(64), approxBytes: 100, format: 'onnx', preset: 'imagenet', inputName: 'input', outputName: 'logits' }]));
    process.env.UNITSCOPE_CATALOGUE = catalogueFile;
    const engine = new Engine({ mode: 'serve', roots: [dir] });
    const client = connectInProcess(engine);
    try {
      const path = join(dir, 'p.unitscope');
      await client.call('project.create', { path });
      expect((await client.call('model.catalogue', {})).map((e) => [e.name, e.origin])).toEqual([['resnet50-imagenet-v1', 'builtin'], ['clip-rn50-openai', 'builtin'], ['clip-rn50-yfcc15m', 'builtin'], ['clip-vit-b32-openai', 'builtin'], ['clip-vit-b16-openai', 'builtin'], ['clip-vit-l14-openai', 'builtin'], ['lab-net', 'lab']]);
      files.requests.length = 0;
      // Reached (so the origin was trusted), then refused for its bytes: the sha256 is checked all the same.
      await expect(client.call('model.download', { path, id: 'lab-net' })).rejects.toThrow(/checksum mismatch/);
      expect(files.requests.map((r) => r.path)).toEqual(['/file.bin']);
    } finally {
      delete process.env.UNITSCOPE_CATALOGUE;
      client.disconnect();
      engine.close();
    }
  });
});
