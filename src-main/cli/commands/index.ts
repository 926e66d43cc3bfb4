// Every top-level command, in the order `unitscope --help` lists them.
import type { Command } from '../command.ts';
import { projectCommand } from './project-commands.ts';
import { serveCommand } from './serve-command.ts';

export const COMMANDS: readonly Command[] = [projectCommand, serveCommand];
