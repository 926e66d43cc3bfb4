/// <reference lib="dom" />
// Sandboxed preload: exposes a minimal, typed bridge. The engine connection itself is a MessagePort that
// main transfers here and we forward to the page, so engine traffic never goes through ipcRenderer.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { DesktopBridge } from '../src-main/contract/desktop-bridge.ts';


const bridge: DesktopBridge = {
  platform: process.platform,
  openProject: () => ipcRenderer.invoke('dialog:open-project'),
  createProject: () => ipcRenderer.invoke('dialog:create-project'),
  openFolder: (options) => ipcRenderer.invoke('dialog:open-folder', options),
  openImages: () => ipcRenderer.invoke('dialog:open-images'),
  openModel: () => ipcRenderer.invoke('dialog:open-model'),
  saveFile: (options) => ipcRenderer.invoke('dialog:save-file', options),
  pathForFile: (file) => webUtils.getPathForFile(file),
  onMenuCommand(listener) {
    // The IPC event itself is never handed to the page (it would expose ipcRenderer through event.sender).
    const handler = (_event: unknown, command: { command: string; [key: string]: unknown }) => listener(command);
    ipcRenderer.on('menu-command', handler);
    return () => ipcRenderer.removeListener('menu-command', handler);
  },
};

contextBridge.exposeInMainWorld('unitscopeDesktop', bridge);

ipcRenderer.on('engine-port', (event) => {
  // Forwarded to the main world: the renderer picks it up from window 'message' events.
  window.postMessage('unitscope-engine-port', window.location.origin === 'null' ? '*' : window.location.origin, event.ports);
});
