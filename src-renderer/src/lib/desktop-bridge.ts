// The renderer's access to the preload bridge (declared in src-main/contract/desktop-bridge.ts).
import type { DesktopBridge } from '../../../src-main/contract/desktop-bridge.ts';

export type { DesktopBridge };

export function desktopBridge(): DesktopBridge | null {
  return (window as unknown as { unitscopeDesktop?: DesktopBridge }).unitscopeDesktop ?? null;
}
