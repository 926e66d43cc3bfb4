// Remembers the window's size, position and maximized state between launches (userData/window-state.json).
// A saved position that no longer falls on any display (a monitor was unplugged) is dropped, so the
// window never opens off-screen.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_BOUNDS, type WindowBounds } from './window-options.ts';

export interface DisplayArea {
  x: number;
  y: number;
  width: number;
  height: number;
}

function onSomeDisplay(bounds: WindowBounds, displays: DisplayArea[]): boolean {
  if (bounds.x === undefined || bounds.y === undefined) return true;
  const { x, y } = bounds;
  // The title bar (top-left 100 x 40 px) must be reachable for the user to move the window.
  return displays.some((d) => x + 100 > d.x && x < d.x + d.width && y >= d.y && y + 40 <= d.y + d.height);
}

export function loadWindowState(userData: string, displays: DisplayArea[]): WindowBounds {
  try {
    const saved = JSON.parse(readFileSync(join(userData, 'window-state.json'), 'utf8')) as Partial<WindowBounds>;
    if (typeof saved.width === 'number' && typeof saved.height === 'number' && saved.width >= 400 && saved.height >= 300) {
      const bounds: WindowBounds = { width: saved.width, height: saved.height, maximized: saved.maximized === true };
      if (typeof saved.x === 'number' && typeof saved.y === 'number') Object.assign(bounds, { x: saved.x, y: saved.y });
      if (!onSomeDisplay(bounds, displays)) {
        delete bounds.x;
        delete bounds.y;
      }
      return bounds;
    }
  } catch {
    // first launch or unreadable state: defaults
  }
  return { ...DEFAULT_BOUNDS };
}

export function saveWindowState(userData: string, bounds: WindowBounds): void {
  try {
    writeFileSync(join(userData, 'window-state.json'), JSON.stringify(bounds));
  } catch {
    // losing the window position is not worth an error dialog
  }
}
