// What a CLI command is. Each command module exports one (or a group with subcommands); main.ts lists them.
import type { Api } from '../contract/index.ts';
import type { Client } from '../contract/client.ts';
import type { Engine } from '../engine/engine.ts';

export interface CliContext {
  /** The engine, in this process. Commands prefer `client` so they go through the contract. */
  engine: Engine;
  client: Client<Api>;
  /** Aborted on Ctrl-C: long commands pass it on so the engine stops cleanly. */
  signal: AbortSignal;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Returns the exit code (0 when omitted). */
  run(argv: string[], ctx: CliContext): Promise<number | void>;
}

/** A command made of subcommands (`project create`, `project info`, ...). */
export function commandGroup(name: string, summary: string, subcommands: Command[]): Command {
  const usage = [`usage: unitscope ${name} <command> [options]`, '', 'commands:', ...subcommands.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`)].join('\n');
  return {
    name,
    summary,
    usage,
    async run(argv, ctx) {
      const [sub, ...rest] = argv;
      if (sub === undefined || sub === '--help' || sub === '-h') {
        if (sub === undefined) {
          const { UsageError } = await import('./io.ts');
          throw new UsageError(`${name}: missing command`, usage);
        }
        process.stdout.write(`${usage}\n`);
        return 0;
      }
      const command = subcommands.find((c) => c.name === sub);
      if (!command) {
        const { UsageError } = await import('./io.ts');
        throw new UsageError(`${name}: unknown command '${sub}'`, usage);
      }
      return command.run(rest, ctx);
    },
  };
}
