#!/usr/bin/env node
// Entry point of the `unitscope` command. The engine is TypeScript; tsx compiles it on the fly so the
// command works straight from a checkout after `npm install`, with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
