// Remembers the window's size, position and maximized state between launches (userData/window-state.json).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_BOUNDS, type WindowBounds } from './window-options.ts';

export function loadWindowState(userData: string): WindowBounds {
  try {
    const saved = JSON.parse(readFileSync(join(userData, 'window-state.json'), 'utf8')) as Partial<WindowBounds>;
    if (typeof saved.width === 'number' && typeof saved.height === 'number' && saved.width >= 400 && saved.height >= 300) {
      return { ...DEFAULT_BOUNDS, ...saved } as WindowBounds;
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
