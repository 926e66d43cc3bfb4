// Electron main: a broker only. It manages the window, menus and dialogs, starts the engine in a utility
// process and hands the window a MessagePort to it. No SQL, inference or statistics here.
import { app, BrowserWindow, dialog, ipcMain, Menu, MessageChannelMain, screen, shell, utilityProcess } from 'electron';
import { join, resolve } from 'node:path';
import { isAppUrl, RENDERER_CSP, windowOptions } from './electron/window-options.ts';
import { loadWindowState, saveWindowState } from './electron/window-state.ts';
import { handleChecked, hardenContents } from './electron/guards.ts';
import { menuTemplate, type MenuCommand } from './electron/menu.ts';

const outDir = resolve(__dirname, '..');
const rendererIndex = join(outDir, 'renderer', 'index.html');
const devServerUrl = process.env.ELECTRON_RENDERER_URL;
const isOurs = (url: string) => isAppUrl(url, devServerUrl, rendererIndex);
const DOCS_URL = 'https://github.com/unitscope/unitscope/blob/main/docs/desktop.md';

const PROJECT_FILTER = { name: 'Unitscope project', extensions: ['unitscope'] };
const IMAGE_FILTER = { name: 'Images', extensions: ['jpg', 'jpeg', 'png', 'bmp', 'gif', 'webp', 'tif', 'tiff'] };

let mainWindow: BrowserWindow | null = null;
let engineHost: Electron.UtilityProcess | null = null;
/** A project named before the window could take it (macOS open-file fires before ready). */
let pendingProject: string | null = null;

// Every renderer is sandboxed, including any a dependency might create.
app.enableSandbox();
// Every web contents, the window's and any other, is guarded from the moment it exists: no navigation
// away, no new windows, no <webview>, no permissions.
app.on('web-contents-created', (_event, contents) => hardenContents(contents, isOurs, (url) => void shell.openExternal(url)));

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

function sendCommand(command: MenuCommand): void {
  if (!mainWindow || mainWindow.isDestroyed()) return;
  mainWindow.webContents.send('menu-command', command);
}

function openProjectInWindow(path: string): void {
  if (mainWindow && !mainWindow.webContents.isLoading()) sendCommand({ command: 'open-project', path });
  else pendingProject = path;
}

function createWindow(): BrowserWindow {
  const userData = app.getPath('userData');
  const state = loadWindowState(userData, screen.getAllDisplays().map((d) => d.workArea));
  const window = new BrowserWindow(windowOptions(outDir, state, app.isPackaged));
  if (state.maximized) window.maximize();
  window.once('ready-to-show', () => window.show());
  window.on('close', () => saveWindowState(userData, { ...window.getNormalBounds(), maximized: window.isMaximized() }));

  const contents = window.webContents;
  // The dev server's http:// page gets the CSP as a header too; the packaged file:// page has no
  // headers and runs under index.html's meta tag (the same policy).
  contents.session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [RENDERER_CSP] } });
  });
  contents.on('did-finish-load', () => {
    if (engineHost) connectWindow(window, engineHost);
    if (pendingProject) {
      sendCommand({ command: 'open-project', path: pendingProject });
      pendingProject = null;
    }
  });
  if (devServerUrl) void window.loadURL(devServerUrl);
  else void window.loadFile(rendererIndex);
  return window;
}

function registerDialogs(): void {
  const parent = () => (mainWindow && !mainWindow.isDestroyed() ? mainWindow : undefined);
  const open = async (options: Electron.OpenDialogOptions) => {
    const window = parent();
    return window ? dialog.showOpenDialog(window, options) : dialog.showOpenDialog(options);
  };
  const save = async (options: Electron.SaveDialogOptions) => {
    const window = parent();
    return window ? dialog.showSaveDialog(window, options) : dialog.showSaveDialog(options);
  };
  const title = (value: unknown, fallback: string) => (typeof value === 'string' && value.length < 200 ? value : fallback);

  handleChecked(ipcMain, 'dialog:open-project', isOurs, async () => {
    const result = await open({ title: 'Open a Unitscope project', properties: ['openFile'], filters: [PROJECT_FILTER] });
    return result.canceled ? null : (result.filePaths[0] ?? null);
  });
  handleChecked(ipcMain, 'dialog:create-project', isOurs, async () => {
    const result = await save({ title: 'Create a Unitscope project', filters: [PROJECT_FILTER], properties: ['createDirectory', 'showOverwriteConfirmation'] });
    if (result.canceled || !result.filePath) return null;
    return result.filePath.endsWith('.unitscope') ? result.filePath : `${result.filePath}.unitscope`;
  });
  handleChecked(ipcMain, 'dialog:open-folder', isOurs, async (options?: { title?: unknown }) => {
    const result = await open({ title: title(options?.title, 'Choose a folder'), properties: ['openDirectory'] });
    return result.canceled ? null : (result.filePaths[0] ?? null);
  });
  handleChecked(ipcMain, 'dialog:open-images', isOurs, async () => {
    const result = await open({ title: 'Choose stimulus images', properties: ['openFile', 'multiSelections'], filters: [IMAGE_FILTER] });
    return result.canceled ? [] : result.filePaths;
  });
  handleChecked(ipcMain, 'dialog:open-model', isOurs, async () => {
    const result = await open({ title: 'Choose an ONNX model', properties: ['openFile'], filters: [{ name: 'ONNX model', extensions: ['onnx'] }] });
    return result.canceled ? null : (result.filePaths[0] ?? null);
  });
  handleChecked(ipcMain, 'dialog:save-file', isOurs, async (options?: { title?: unknown; defaultPath?: unknown; extension?: unknown }) => {
    const extension = typeof options?.extension === 'string' && /^[a-z0-9]{1,8}$/.test(options.extension) ? options.extension : null;
    const result = await save({
      title: title(options?.title, 'Save'),
      ...(typeof options?.defaultPath === 'string' ? { defaultPath: options.defaultPath } : {}),
      ...(extension ? { filters: [{ name: extension.toUpperCase(), extensions: [extension] }] } : {}),
    });
    return result.canceled ? null : (result.filePath ?? null);
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  // A second launch (double-clicking a .unitscope file) opens its project in the running window.
  app.on('second-instance', (_event, argv) => {
    const project = projectFromArgv(argv);
    if (project) openProjectInWindow(project);
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });
  app.on('open-file', (event, path) => {
    event.preventDefault();
    openProjectInWindow(path);
  });

  void app.whenReady().then(() => {
    registerDialogs();
    Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(process.platform, sendCommand, () => void shell.openExternal(DOCS_URL))));
    engineHost = startEngine(pendingProject ?? projectFromArgv(process.argv));
    pendingProject = null;
    mainWindow = createWindow();
  });

  app.on('window-all-closed', () => {
    engineHost?.kill();
    app.quit();
  });
}
