// The renderer's view of the preload bridge (src-preload/index.ts declares the same shape). Absent in
// serve mode, where file choices come from the engine's fs.list under the session's roots.
export interface DesktopBridge {
  platform: string;
  openProject(): Promise<string | null>;
  createProject(): Promise<string | null>;
  openFolder(options: { title: string }): Promise<string | null>;
  openImages(): Promise<string[]>;
  openModel(): Promise<string | null>;
  saveFile(options: { title: string; defaultPath?: string; extension?: string }): Promise<string | null>;
  pathForFile(file: File): string;
  onMenuCommand(listener: (command: { command: string; [key: string]: unknown }) => void): () => void;
}

export function desktopBridge(): DesktopBridge | null {
  return (window as unknown as { unitscopeDesktop?: DesktopBridge }).unitscopeDesktop ?? null;
}
