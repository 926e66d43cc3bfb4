// The desktop window's security settings, as plain data so a test can check every protection without
// starting Electron (which cannot run in CI). src-main/index.ts passes these to BrowserWindow unchanged.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The CSP the renderer runs under. The meta tag in src-renderer/index.html is what applies to the
 * packaged app's file:// page (it has no response headers); main sends the same policy as a header for
 * the dev server's http:// page. A test keeps the two identical.
 */
export const RENDERER_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; object-src 'none'; base-uri 'none'; form-action 'none'";

export interface SecureWebPreferences {
  preload: string;
  contextIsolation: true;
  sandbox: true;
  nodeIntegration: false;
  nodeIntegrationInWorker: false;
  nodeIntegrationInSubFrames: false;
  webSecurity: true;
  allowRunningInsecureContent: false;
  webviewTag: false;
  spellcheck: false;
  /** Developer tools only in a development build, never in the packaged app. */
  devTools: boolean;
}

export function webPreferences(outDir: string, packaged = true): SecureWebPreferences {
  return {
    preload: join(outDir, 'preload', 'index.cjs'),
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
    devTools: !packaged,
  };
}

export interface WindowBounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized?: boolean;
}

export const DEFAULT_BOUNDS: WindowBounds = { width: 1280, height: 800 };

export function windowOptions(outDir: string, bounds: WindowBounds, packaged = true) {
  return {
    ...bounds,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'Unitscope',
    backgroundColor: '#16181d',
    webPreferences: webPreferences(outDir, packaged),
  };
}

/**
 * Is `url` our own renderer? Used to check IPC senders and to refuse navigation elsewhere. With a dev
 * server, its origin exactly (scheme, host and port: `http://localhost:5173.evil.example` and
 * `http://localhost:51730` are not it); otherwise exactly the renderer's index.html as a file URL with
 * no host, whatever the route after `#`.
 */
export function isAppUrl(url: string, devServerUrl: string | undefined, rendererIndex: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (devServerUrl) {
    try {
      return parsed.origin === new URL(devServerUrl).origin && parsed.username === '' && parsed.password === '';
    } catch {
      return false;
    }
  }
  const index = pathToFileURL(rendererIndex);
  return parsed.protocol === 'file:' && parsed.host === '' && parsed.pathname === index.pathname;
}
