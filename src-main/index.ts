// Electron main: a broker only. It manages the window, menus and dialogs, starts the engine in a utility
// process and hands the window a MessagePort to it. No SQL, inference or statistics here.
import { app, BrowserWindow, dialog, ipcMain, Menu, MessageChannelMain, shell, utilityProcess, type IpcMainInvokeEvent } from 'electron';
import { join, resolve } from 'node:path';
import { isAppUrl, RENDERER_CSP, windowOptions } from './electron/window-options.ts';
import { loadWindowState, saveWindowState } from './electron/window-state.ts';

const outDir = resolve(__dirname, '..');
const rendererIndex = join(outDir, 'renderer', 'index.html');
const devServerUrl = process.env.ELECTRON_RENDERER_URL;

let mainWindow: BrowserWindow | null = null;
let engineHost: Electron.UtilityProcess | null = null;

function projectFromArgv(argv: string[]): string | null {
  return argv.find((arg) => arg.endsWith('.unitscope')) ?? null;
}

function startEngine(initialProject: string | null): Electron.UtilityProcess {
  const child = utilityProcess.fork(join(outDir, 'main', 'engine-host.js'), [], {
    serviceName: 'Unitscope engine',
    env: { ...process.env, UNITSCOPE_SESSION: JSON.stringify({ initialProject }) },
  });
  child.on('exit', (code) => {
    // A native crash in inference must fail the job, not the app: restart the engine and reconnect.
    if (code !== 0 && mainWindow && !mainWindow.isDestroyed()) {
      engineHost = startEngine(null);
      connectWindow(mainWindow, engineHost);
    }
  });
  return child;
}

function connectWindow(window: BrowserWindow, host: Electron.UtilityProcess): void {
  const { port1, port2 } = new MessageChannelMain();
  host.postMessage(null, [port1]);
  window.webContents.postMessage('engine-port', null, [port2]);
}

function checkSender(event: IpcMainInvokeEvent): void {
  const url = event.senderFrame?.url ?? '';
  if (!isAppUrl(url, devServerUrl, rendererIndex)) throw new Error(`refused IPC from ${url}`);
}

function createWindow(): BrowserWindow {
  const state = loadWindowState(app.getPath('userData'));
  const window = new BrowserWindow(windowOptions(outDir, state));
  if (state.maximized) window.maximize();
  window.once('ready-to-show', () => window.show());
  window.on('close', () => saveWindowState(app.getPath('userData'), { ...window.getNormalBounds(), maximized: window.isMaximized() }));

  const contents = window.webContents;
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url, devServerUrl, rendererIndex)) event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [RENDERER_CSP] } });
  });
  contents.on('did-finish-load', () => {
    if (engineHost) connectWindow(window, engineHost);
  });
  if (devServerUrl) void window.loadURL(devServerUrl);
  else void window.loadFile(rendererIndex);
  return window;
}

function buildMenu(): void {
  const template: Electron.MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ label: 'Unitscope documentation', click: () => void shell.openExternal('https://github.com/') }] },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });

  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });

  void app.whenReady().then(() => {
    ipcMain.handle('dialog:open-file', async (event, options: { title: string; filters?: Electron.FileFilter[] }) => {
      checkSender(event);
      const result = await dialog.showOpenDialog({ title: options.title, properties: ['openFile'], ...(options.filters ? { filters: options.filters } : {}) });
      return result.canceled ? null : (result.filePaths[0] ?? null);
    });
    ipcMain.handle('dialog:open-folder', async (event, options: { title: string }) => {
      checkSender(event);
      const result = await dialog.showOpenDialog({ title: options.title, properties: ['openDirectory'] });
      return result.canceled ? null : (result.filePaths[0] ?? null);
    });
    ipcMain.handle('dialog:save-file', async (event, options: { title: string; defaultPath?: string }) => {
      checkSender(event);
      const result = await dialog.showSaveDialog({ title: options.title, ...(options.defaultPath ? { defaultPath: options.defaultPath } : {}) });
      return result.canceled ? null : (result.filePath ?? null);
    });
    buildMenu();
    engineHost = startEngine(projectFromArgv(process.argv));
    mainWindow = createWindow();
  });

  app.on('window-all-closed', () => {
    engineHost?.kill();
    app.quit();
  });
}
