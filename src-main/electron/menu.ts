// The native menu. Items that act on the project are forwarded to the renderer as commands (it owns the
// screens and the engine connection); window, edit and view items use Electron's built-in roles.
import type { MenuItemConstructorOptions } from 'electron';

/** Commands the menu sends to the renderer over the 'menu-command' channel. Mirrored in src-preload. */
export type MenuCommand =
  | { command: 'new-project' }
  | { command: 'open-project'; path?: string }
  | { command: 'open-demo' }
  | { command: 'import-stimuli' }
  | { command: 'show-screen'; screen: 'project' | 'models' | 'run' | 'results' | 'analyses' | 'compare' | 'export' | 'settings' }
  | { command: 'export-report' };

export function menuTemplate(platform: string, send: (command: MenuCommand) => void, openDocs: () => void): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  const screen = (label: string, accelerator: string, name: Extract<MenuCommand, { command: 'show-screen' }>['screen']): MenuItemConstructorOptions => ({
    label,
    accelerator,
    click: () => send({ command: 'show-screen', screen: name }),
  });
  return [
    ...(mac ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        { label: 'New Project…', accelerator: 'CmdOrCtrl+N', click: () => send({ command: 'new-project' }) },
        { label: 'Open Project…', accelerator: 'CmdOrCtrl+O', click: () => send({ command: 'open-project' }) },
        { label: 'Open the Demo', click: () => send({ command: 'open-demo' }) },
        { type: 'separator' },
        { label: 'Import Stimuli…', accelerator: 'CmdOrCtrl+I', click: () => send({ command: 'import-stimuli' }) },
        { label: 'Export Report…', accelerator: 'CmdOrCtrl+E', click: () => send({ command: 'export-report' }) },
        { type: 'separator' },
        screen('Settings', 'CmdOrCtrl+,', 'settings'),
        { type: 'separator' },
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: '&Go',
      submenu: [
        screen('Project', 'CmdOrCtrl+1', 'project'),
        screen('Models', 'CmdOrCtrl+2', 'models'),
        screen('Run', 'CmdOrCtrl+3', 'run'),
        screen('Results', 'CmdOrCtrl+4', 'results'),
        screen('Analyses', 'CmdOrCtrl+5', 'analyses'),
        screen('Compare Models', 'CmdOrCtrl+6', 'compare'),
        screen('Export', 'CmdOrCtrl+7', 'export'),
      ],
    },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ label: 'Unitscope Documentation', click: openDocs }] },
  ];
}
