// The `unitscope` command line: one engine in this process, reached through the contract.
import { Engine } from '../engine/engine.ts';
import { connectInProcess } from '../engine/connect.ts';
import { EngineCallError } from '../contract/client.ts';
import { toErrorData } from '../engine/errors.ts';
import { APP_VERSION } from '../engine/version.ts';
import type { Command } from './command.ts';
import { UsageError } from './io.ts';
import { COMMANDS } from './commands/index.ts';

function topUsage(): string {
  return [
    'usage: unitscope <command> [options]',
    '',
    'Functional localizer experiments on deep networks.',
    '',
    'commands:',
    ...COMMANDS.map((c: Command) => `  ${c.name.padEnd(14)} ${c.summary}`),
    '',
    'options:',
    '  --help         show this help (also after any command)',
    '  --version      print the version',
  ].join('\n');
}

/**
 * The one place a failure becomes an exit code and a line on stderr: 2 with the usage text only when the
 * arguments did not parse (the CLI's own parser, or the contract's schema, which lists the issues); every
 * other failure is 1 (130 when cancelled) with one line that names the file and the way out.
 */
function reportFailure(error: unknown, command: Command): number {
  if (error instanceof UsageError) {
    process.stderr.write(`unitscope: ${error.message}\n\n${error.usage}\n`);
    return 2;
  }
  const data = error instanceof EngineCallError ? error.data : toErrorData(error);
  if (data.kind === 'validation' && data.issues !== undefined) {
    process.stderr.write(`unitscope: ${data.message}\n\n${command.usage}\n`);
    return 2;
  }
  const named = data.file !== undefined && !data.message.includes(data.file) ? `${data.file}: ${data.message}` : data.message;
  process.stderr.write(`unitscope: ${named.split('\n')[0]}\n`);
  return data.kind === 'cancelled' ? 130 : 1;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${APP_VERSION}\n`);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const stream = name === undefined ? process.stderr : process.stdout;
    stream.write(`${topUsage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`unitscope: unknown command '${name}'\n\n${topUsage()}\n`);
    return 2;
  }

  const engine = new Engine();
  const client = connectInProcess(engine);
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(130);
    process.stderr.write('\ncancelling... (Ctrl-C again to quit at once)\n');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const code = await command.run(rest, { engine, client, signal: abort.signal });
    return code ?? 0;
  } catch (error) {
    return reportFailure(error, command);
  } finally {
    process.off('SIGINT', onSigint);
    client.disconnect();
    engine.close();
  }
}
