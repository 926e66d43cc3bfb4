// The desktop window's protections (issue 7 item 4), checked without starting Electron: the
// BrowserWindow options main passes, the CSP the renderer runs under (index.html's meta tag and the
// header main adds), the navigation / new-window / IPC guards driven with fakes, and main's wiring.
import { readFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
// These modules import nothing from Electron; the lint pattern 'electron' also matches their folder name.
import { isAppUrl, RENDERER_CSP, webPreferences, windowOptions } from '../../src-main/electron/window-options.ts';
import { ForeignSenderError, handleChecked, hardenContents, type GuardedContents, type InvokeEventLike } from '../../src-main/electron/guards.ts';
import { SERVE_CSP } from '../../src-main/serve/http-server.ts';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

function parseCsp(csp: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of csp.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), values);
  }
  return directives;
}

function metaCsp(html: string): string {
  const match = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(html);
  if (!match?.[1]) throw new Error('src-renderer/index.html has no Content-Security-Policy meta tag');
  return match[1];
}

/** Fails unless the CSP allows only the app's own code: no inline or eval'd script, no plugins, no framing out. */
function expectStrictCsp(csp: string): void {
  const d = parseCsp(csp);
  expect(d.get('default-src')).toEqual(["'self'"]);
  expect(d.get('script-src')).toEqual(["'self'"]);
  expect(d.get('object-src')).toEqual(["'none'"]);
  expect(d.get('base-uri')).toEqual(["'none'"]);
  expect(d.get('form-action')).toEqual(["'none'"]);
  for (const [name, values] of d) {
    for (const value of values) {
      expect(value, `${name} must not allow eval`).not.toBe("'unsafe-eval'");
      expect(value, `${name} must not use a wildcard source`).not.toBe('*');
      expect(value, `${name} must not allow any http(s) origin`).not.toMatch(/^(https?:|\*\.)/);
      if (name !== 'style-src') expect(value, `${name} must not allow inline code`).not.toBe("'unsafe-inline'");
    }
  }
  // The only sockets are to the engine on this machine.
  for (const value of d.get('connect-src') ?? []) expect(value).toMatch(/^('self'|ws:\/\/(127\.0\.0\.1|localhost):\*)$/);
}

describe('BrowserWindow options', () => {
  const options = windowOptions('/app/out', { width: 1280, height: 800 });

  it('isolates and sandboxes the renderer with no Node access', () => {
    const prefs = options.webPreferences;
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(prefs.webviewTag).toBe(false);
    expect(prefs.devTools).toBe(false); // packaged
    expect(windowOptions('/app/out', { width: 1280, height: 800 }, false).webPreferences.devTools).toBe(true); // a dev build
    expect(prefs.preload).toMatch(/[/\\]preload[/\\]index\.cjs$/);
    // Nothing else sneaks in (experimentalFeatures, enableBlinkFeatures, ...).
    expect(Object.keys(prefs).sort()).toEqual(Object.keys(webPreferences('/x')).sort());
  });

  it('opens readable at 1280 x 800 and hidden until painted', () => {
    expect(options.width).toBeGreaterThanOrEqual(1280);
    expect(options.height).toBeGreaterThanOrEqual(800);
    expect(options.show).toBe(false);
  });

  it('main passes these options unchanged and enables the sandbox for every renderer', () => {
    const main = read('src-main/index.ts');
    expect(main).toMatch(/new BrowserWindow\(windowOptions\(outDir, state, app\.isPackaged\)\)/);
    expect(main).toMatch(/app\.enableSandbox\(\)/);
    expect(main).toMatch(/requestSingleInstanceLock\(\)/);
    expect(main).not.toMatch(/webPreferences\s*:/);
  });
});

describe('Content-Security-Policy', () => {
  it('index.html carries the same strict CSP that main sends as a header', () => {
    const csp = metaCsp(read('src-renderer/index.html'));
    expect(csp).toBe(RENDERER_CSP);
    expectStrictCsp(csp);
    expect(read('src-main/index.ts')).toMatch(/'Content-Security-Policy': \[RENDERER_CSP\]/);
  });

  it('serve mode sends the same policy plus frame-ancestors none', () => {
    expectStrictCsp(SERVE_CSP);
    expect(parseCsp(SERVE_CSP).get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('the checker itself rejects a weakened policy', () => {
    expect(() => expectStrictCsp(RENDERER_CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-eval'"))).toThrow();
    expect(() => expectStrictCsp(RENDERER_CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'"))).toThrow();
    expect(() => expectStrictCsp(RENDERER_CSP.replace("connect-src 'self'", "connect-src 'self' https://example.com"))).toThrow();
  });
});

class FakeContents extends EventEmitter {
  openHandler: ((details: { url: string }) => { action: string }) | null = null;
  permissionRequest: ((c: unknown, p: string, cb: (granted: boolean) => void) => void) | null = null;
  permissionCheck: ((c: unknown, p: string) => boolean) | null = null;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
    this.openHandler = handler;
  }
  session = {
    setPermissionRequestHandler: (h: FakeContents['permissionRequest']) => void (this.permissionRequest = h),
    setPermissionCheckHandler: (h: FakeContents['permissionCheck']) => void (this.permissionCheck = h),
  };
  /** Emits a navigation-like event and reports whether a guard prevented it. */
  attempt(event: string, url: string): boolean {
    let prevented = false;
    this.emit(event, { url, preventDefault: () => void (prevented = true) }, url);
    return prevented;
  }
}

describe('navigation, new windows and permissions', () => {
  const index = '/app/out/renderer/index.html';
  const ours = (url: string) => isAppUrl(url, undefined, index);
  const contents = new FakeContents();
  const opened: string[] = [];
  hardenContents(contents as unknown as GuardedContents, ours, (url) => opened.push(url));

  it('blocks navigation, redirects and frame navigation away from the app', () => {
    for (const event of ['will-navigate', 'will-redirect', 'will-frame-navigate']) {
      expect(contents.attempt(event, 'https://evil.example/')).toBe(true);
      expect(contents.attempt(event, 'file:///etc/passwd')).toBe(true);
      expect(contents.attempt(event, 'file:///app/out/renderer/index.html#/results')).toBe(false);
    }
  });

  it('denies every new window and sends https links to the system browser', () => {
    expect(contents.openHandler?.({ url: 'https://docs.example/page' })).toEqual({ action: 'deny' });
    expect(contents.openHandler?.({ url: 'file:///app/out/renderer/index.html' })).toEqual({ action: 'deny' });
    expect(contents.openHandler?.({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://docs.example/page']);
  });

  it('refuses <webview> and every permission', () => {
    expect(contents.attempt('will-attach-webview', 'about:blank')).toBe(true);
    let granted: boolean | null = null;
    contents.permissionRequest?.(null, 'media', (g) => (granted = g));
    expect(granted).toBe(false);
    expect(contents.permissionCheck?.(null, 'geolocation')).toBe(false);
  });

  it('a dev server URL counts as ours only when one is set', () => {
    expect(isAppUrl('http://localhost:5173/', 'http://localhost:5173', index)).toBe(true);
    expect(isAppUrl('http://localhost:5173/', undefined, index)).toBe(false);
  });
});

describe('isAppUrl: exactly the renderer, nothing that merely looks like it', () => {
  const index = '/app/out/renderer/index.html';
  const dev = 'http://localhost:5173';
  // The seven foreign URLs of issue 14 (five used to pass: the first two and the three dev-server ones).
  const foreign: [string, string | undefined][] = [
    ['file:///tmp/download/app/out/renderer/index.html', undefined], // another file whose path ends like ours
    ['file://evil.example/app/out/renderer/index.html', undefined], // our path on another host
    ['file:///app/out/renderer/other.html', undefined],
    ['https://evil.example/app/out/renderer/index.html', undefined],
    ['http://localhost:51730/', dev], // another port that starts like the dev server's
    ['http://localhost:5173.evil.example/', dev], // another host that starts like it
    ['http://localhost:5173@evil.example/', dev], // credentials trick: the host is evil.example
  ];
  it('refuses every foreign URL', () => {
    for (const [url, devServer] of foreign) expect(isAppUrl(url, devServer, index), url).toBe(false);
    expect(isAppUrl('file:///app/out/renderer/index.html', dev, index)).toBe(false); // with a dev server, only it
    expect(isAppUrl('not a url', undefined, index)).toBe(false);
  });

  it('accepts the real renderer (any route) and the dev server by origin', () => {
    expect(isAppUrl('file:///app/out/renderer/index.html', undefined, index)).toBe(true);
    expect(isAppUrl('file:///app/out/renderer/index.html#/results?run=2', undefined, index)).toBe(true);
    expect(isAppUrl('http://localhost:5173/src/main.ts', dev, index)).toBe(true);
  });
});

describe('IPC sender check', () => {
  const handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => unknown>();
  const ipc = { handle: (channel: string, fn: (event: InvokeEventLike, ...args: unknown[]) => unknown) => void handlers.set(channel, fn) };
  const ours = (url: string) => isAppUrl(url, undefined, '/app/out/renderer/index.html');
  handleChecked(ipc, 'dialog:test', ours, (value: unknown) => `ok ${String(value)}`);
  const handler = handlers.get('dialog:test')!;

  it('answers the app renderer and refuses any other frame', () => {
    expect(handler({ senderFrame: { url: 'file:///app/out/renderer/index.html' } }, 7)).toBe('ok 7');
    expect(() => handler({ senderFrame: { url: 'file:///tmp/x/app/out/renderer/index.html' } }, 7)).toThrow(ForeignSenderError);
    expect(() => handler({ senderFrame: { url: 'file:///app/out/renderer/index.html', parent: {} } }, 7)).toThrow(ForeignSenderError);
    expect(() => handler({ senderFrame: { url: 'https://evil.example/' } }, 7)).toThrow(ForeignSenderError);
    expect(() => handler({ senderFrame: null }, 7)).toThrow(ForeignSenderError);
  });

  it('main registers every IPC handler through the checked wrapper', () => {
    const main = read('src-main/index.ts');
    expect(main).not.toMatch(/ipcMain\.(handle|on|once)\(/);
    const channels = [...main.matchAll(/handleChecked\(ipcMain, '([^']+)', isOurs,/g)].map((m) => m[1]);
    const preload = read('src-preload/index.ts');
    const invoked = [...preload.matchAll(/ipcRenderer\.invoke\('([^']+)'/g)].map((m) => m[1]);
    expect(invoked.length).toBeGreaterThan(0);
    for (const channel of invoked) expect(channels).toContain(channel);
    // Every web contents is hardened as it is created, not just the main window's.
    expect(main).toMatch(/app\.on\('web-contents-created', \(_event, contents\) => hardenContents\(contents, isOurs,/);
  });
});
