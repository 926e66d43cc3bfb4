// What a CLI command is, and the one way to declare one. Each command module exports one (or a group with
// subcommands); main.ts lists them.
import type { Api } from '../contract/index.ts';
import type { CallOptions, Client } from '../contract/client.ts';
import type { Engine } from '../engine/engine.ts';
import { createOutput, parseCommandArgs, UsageError, type CommandOptions, type OptionValues, type Output } from './io.ts';

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

/** The options every command has: --help prints its usage on stdout, --json makes its result one JSON document. */
const EVERY_COMMAND_OPTIONS = { json: { type: 'boolean' }, help: { type: 'boolean' } } as const;

type AllOptions<T extends CommandOptions> = T & typeof EVERY_COMMAND_OPTIONS;

/** What a declared command's `run` is handed: its arguments parsed and checked against its options. */
export interface CommandInput<T extends CommandOptions> {
  values: OptionValues<AllOptions<T>>;
  positionals: string[];
  /** Where the result, progress and notes go (the result as JSON with --json). */
  output: Output;
  /** The command's usage, for the usage errors it raises. */
  usage: string;
  /** The options of a long engine call: Ctrl-C cancels it and its progress shows on stderr. */
  longCall: CallOptions;
}

export interface CommandDefinition<T extends CommandOptions> {
  name: string;
  summary: string;
  usage: string;
  /** The command's own options (node:util parseArgs); --help and --json are added to them. */
  options?: T;
  /** Returns the exit code (0 when omitted); throws UsageError for arguments that make no sense. */
  run(input: CommandInput<T>, ctx: CliContext): Promise<number | void>;
}

/**
 * A command from its declaration: parses the arguments (an unknown or malformed option is a usage error),
 * answers --help with the usage, and hands `run` the typed values and an output that follows --json.
 */
export function defineCommand<T extends CommandOptions = Record<never, never>>(definition: CommandDefinition<T>): Command {
  const { name, summary, usage } = definition;
  const options = { ...definition.options, ...EVERY_COMMAND_OPTIONS } as AllOptions<T>;
  return {
    name,
    summary,
    usage,
    async run(argv, ctx) {
      const { values, positionals } = parseCommandArgs(argv, options, usage);
      // TypeScript cannot resolve parseArgs' value types for a generic T; these two are always declared.
      const { help, json } = values as OptionValues<typeof EVERY_COMMAND_OPTIONS>;
      if (help) {
        process.stdout.write(`${usage}\n`);
        return 0;
      }
      const output = createOutput(json === true);
      const longCall: CallOptions = { signal: ctx.signal, onProgress: (p) => output.progress(p) };
      return definition.run({ values, positionals, output, usage, longCall }, ctx);
    },
  };
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
        if (sub === undefined) throw new UsageError(`${name}: missing command`, usage);
        process.stdout.write(`${usage}\n`);
        return 0;
      }
      const command = subcommands.find((c) => c.name === sub);
      if (!command) throw new UsageError(`${name}: unknown command '${sub}'`, usage);
      return command.run(rest, ctx);
    },
  };
}
