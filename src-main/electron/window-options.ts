// The desktop window's security settings, as plain data so a test can check every protection without
// starting Electron (which cannot run in CI). src-main/index.ts passes these to BrowserWindow unchanged.
import { join } from 'node:path';

/** The CSP the renderer runs under. Kept identical to src-renderer/index.html's meta tag (a test checks). */
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
}

export function webPreferences(outDir: string): SecureWebPreferences {
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

export function windowOptions(outDir: string, bounds: WindowBounds) {
  return {
    ...bounds,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'Unitscope',
    backgroundColor: '#16181d',
    webPreferences: webPreferences(outDir),
  };
}

/** Is `url` our own renderer? Used to check IPC senders and to refuse navigation elsewhere. */
export function isAppUrl(url: string, devServerUrl: string | undefined, rendererIndex: string): boolean {
  if (devServerUrl && url.startsWith(devServerUrl)) return true;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'file:' && decodeURIComponent(parsed.pathname).replace(/\\/g, '/').endsWith(rendererIndex.replace(/\\/g, '/'));
  } catch {
    return false;
  }
}
