import { realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { defineCommand } from '../command.ts';
import { parseNumberOption, UsageError } from '../io.ts';
import { Engine } from '../../engine/engine.ts';
import { startServer } from '../../serve/http-server.ts';
import { ensureRendererBuilt } from '../../serve/renderer-build.ts';

const usage = `usage: unitscope serve PATH [--port N] [--root DIR]... [--json]

Serves the app for a browser on 127.0.0.1 (port 0 or omitted: any free port) and prints the URL with
its session token. Opens on the dashboard of PATH's latest finished run. File choices in the browser
are limited to PATH's folder and the --root folders, and so is every file a project refers to.`;

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

export const serveCommand = defineCommand({
  name: 'serve',
  summary: 'serve the app to a browser (headless servers, remote GPUs)',
  usage,
  options: { port: { type: 'string' }, root: { type: 'string', multiple: true } },
  async run({ values, positionals, output }, { signal }) {
    if (positionals.length > 1) throw new UsageError('serve: expected at most one project PATH', usage);
    const port = parseNumberOption(values.port, 'port', usage) ?? 0;
    if (port < 0 || port > 65535) throw new UsageError('--port must be between 0 and 65535', usage);
    // Real paths: serve mode hands handlers symlink-free locations, so the session speaks the same way.
    const projectPath = positionals[0] ? realOrResolved(positionals[0]) : null;
    const roots = [...(projectPath ? [dirname(projectPath)] : []), ...(values.root ?? []).map(realOrResolved)];
    const engine = new Engine({ mode: 'serve', initialProject: projectPath, roots });
    if (projectPath) engine.project(projectPath); // fail now, with the file named, if it cannot be opened
    const staticDir = await ensureRendererBuilt((line) => output.info(line));
    const server = await startServer({ engine, staticDir, port });
    output.result({ url: server.url, port: server.port, project: projectPath }, () => `Unitscope is serving ${projectPath ?? '(no project)'}\nopen ${server.url}\n(Ctrl-C to stop)`);
    await new Promise<void>((resolveStop) => {
      if (signal.aborted) resolveStop();
      signal.addEventListener('abort', () => resolveStop(), { once: true });
      process.once('SIGTERM', () => resolveStop());
    });
    await server.close();
    engine.close();
  },
});
