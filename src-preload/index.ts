/// <reference lib="dom" />
// Sandboxed preload: exposes a minimal, typed bridge. The engine connection itself is a MessagePort that
// main transfers here and we forward to the page, so engine traffic never goes through ipcRenderer.
import { contextBridge, ipcRenderer } from 'electron';

export interface DesktopBridge {
  platform: string;
  openFile(options: { title: string; filters?: { name: string; extensions: string[] }[] }): Promise<string | null>;
  openFolder(options: { title: string }): Promise<string | null>;
  saveFile(options: { title: string; defaultPath?: string }): Promise<string | null>;
}

const bridge: DesktopBridge = {
  platform: process.platform,
  openFile: (options) => ipcRenderer.invoke('dialog:open-file', options),
  openFolder: (options) => ipcRenderer.invoke('dialog:open-folder', options),
  saveFile: (options) => ipcRenderer.invoke('dialog:save-file', options),
};

contextBridge.exposeInMainWorld('unitscopeDesktop', bridge);

ipcRenderer.on('engine-port', (event) => {
  // Forwarded to the main world: the renderer picks it up from window 'message' events.
  window.postMessage('unitscope-engine-port', window.location.origin === 'null' ? '*' : window.location.origin, event.ports);
});
