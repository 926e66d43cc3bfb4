// Every top-level command, in the order `unitscope --help` lists them.
import type { Command } from '../command.ts';
import { demoCommand } from './demo-command.ts';
import { projectCommand } from './project-commands.ts';
import { demoStimuliCommand, stimuliCommand } from './stimuli-commands.ts';
import { serveCommand } from './serve-command.ts';
import { RUN_COMMANDS } from './run-commands.ts';
import { modelCommand } from './model-commands.ts';
import { ANALYSIS_COMMANDS } from './analysis-commands.ts';
import { SHARD_COMMANDS } from './shard-commands.ts';
import { STUDY_COMMANDS } from './study-commands.ts';

export const COMMANDS: readonly Command[] = [demoCommand, projectCommand, stimuliCommand, demoStimuliCommand, modelCommand, ...RUN_COMMANDS, ...ANALYSIS_COMMANDS, ...SHARD_COMMANDS, ...STUDY_COMMANDS, serveCommand];
