// The desktop preload bridge (window.unitscopeDesktop), declared once for both sides: src-preload
// implements it, the renderer calls it. Absent in serve mode, where file choices come from the engine's
// fs.list under the session's roots. Uses the DOM's File type, so only DOM-aware code imports it.
export interface DesktopBridge {
  platform: string;
  openProject(): Promise<string | null>;
  createProject(): Promise<string | null>;
  openFolder(options: { title: string }): Promise<string | null>;
  openImages(): Promise<string[]>;
  openModel(): Promise<string | null>;
  saveFile(options: { title: string; defaultPath?: string; extension?: string }): Promise<string | null>;
  /** The file system path of a dropped File (File.path is gone since Electron 32). */
  pathForFile(file: File): string;
  /** Menu items and file-association launches, forwarded from main. Returns an unsubscribe function. */
  onMenuCommand(listener: (command: { command: string; [key: string]: unknown }) => void): () => void;
}
