// The protections around the renderer, written against small structural interfaces instead of Electron's
// classes so that a test can drive them with fakes (Electron itself cannot start in CI).

/** The part of Electron's WebContents the guards use. */
export interface GuardedContents {
  on(event: 'will-navigate' | 'will-redirect' | 'will-frame-navigate', listener: (event: { preventDefault(): void; url: string }, url?: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' } | { action: 'allow' }): void;
  session: {
    setPermissionRequestHandler(handler: ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | null): void;
    setPermissionCheckHandler(handler: ((contents: unknown, permission: string) => boolean) | null): void;
  };
}

/** Decides whether a URL is the app's own renderer. */
export type AppUrlCheck = (url: string) => boolean;

/**
 * Blocks every way out of the app's own pages: navigation and redirects elsewhere, new windows (https
 * links are handed to the system browser instead), <webview> tags and permission requests (camera,
 * geolocation, notifications...: the app needs none).
 */
export function hardenContents(contents: GuardedContents, isAppUrl: AppUrlCheck, openExternal: (url: string) => void): void {
  const blockForeign = (event: { preventDefault(): void; url: string }, url?: string) => {
    const target = url ?? event.url;
    if (!isAppUrl(target)) event.preventDefault();
  };
  contents.on('will-navigate', blockForeign);
  contents.on('will-redirect', blockForeign);
  contents.on('will-frame-navigate', blockForeign);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) openExternal(url);
    return { action: 'deny' };
  });
  contents.session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  contents.session.setPermissionCheckHandler(() => false);
}

/** The part of Electron's IpcMainInvokeEvent the sender check reads. */
export interface InvokeEventLike {
  /** `parent` is set for a subframe: only the app's top frame may call main. */
  senderFrame: { url: string; parent?: unknown } | null | undefined;
}

export interface IpcMainLike<E extends InvokeEventLike> {
  handle(channel: string, listener: (event: E, ...args: unknown[]) => unknown): void;
}

/** An IPC call from a frame that is not our renderer (an injected iframe, a navigated page). */
export class ForeignSenderError extends Error {
  constructor(channel: string, url: string) {
    super(`refused ${channel} from ${url || 'an unknown frame'}`);
    this.name = 'ForeignSenderError';
  }
}

/**
 * Registers an invoke handler that first checks the sending frame is the app's own renderer. Every IPC
 * channel main exposes goes through here, so none can forget the check.
 */
export function handleChecked<E extends InvokeEventLike, A extends unknown[], R>(
  ipc: IpcMainLike<E>,
  channel: string,
  isAppUrl: AppUrlCheck,
  handler: (...args: A) => R | Promise<R>,
): void {
  ipc.handle(channel, (event, ...args) => {
    const url = event.senderFrame?.url ?? '';
    if (!isAppUrl(url) || event.senderFrame?.parent) throw new ForeignSenderError(channel, url);
    return handler(...(args as A));
  });
}
