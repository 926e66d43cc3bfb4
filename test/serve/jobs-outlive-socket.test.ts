// A run started over a WebSocket outlives the socket (issue 15 item 9): with a real `unitscope serve`
// process, the socket that started the run closes mid-run, a new one connects, finds the run among the
// running jobs (job.list), follows it to its end (job.follow: its progress, then how it ended) and reads
// its results; nothing cancelled it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Client } from '../../src-main/contract/client.ts';
import type { Api } from '../../src-main/contract/index.ts';
import { websocketClientPort } from '../../src-main/contract/websocket-port.ts';
import { cookieName } from '../../src-main/serve/request-guards.ts';
import { makeTinyProject } from '../engine/runs/tiny-project.ts';
import { spawnCli } from '../support/run-cli.ts';

let dir: string;
let project: string;
let server: ChildProcess;
let serverErr = '';
let port: number;
let cookie: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'unitscope-serve-jobs-'));
  project = join(dir, 'long.unitscope');
  await makeTinyProject(project, 300, 6);
  server = spawnCli(['serve', project, '--port', '0', '--json']);
  server.stderr?.on('data', (chunk: Buffer) => (serverErr += chunk.toString()));
  const printed = await new Promise<{ url: string; port: number }>((resolve, reject) => {
    let out = '';
    server.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      try {
        resolve(JSON.parse(out) as { url: string; port: number });
      } catch {
        // not the whole document yet
      }
    });
    server.once('exit', (code) => reject(new Error(`serve exited with ${code}\n${serverErr}`)));
  });
  port = printed.port;
  cookie = `${cookieName(port)}=${new URL(printed.url).searchParams.get('token')!}`;
}, 240_000);

afterAll(() => {
  server?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

/** A contract client on a new WebSocket, as the page would open it (cookie, the page's own Origin). */
async function connect(): Promise<{ client: Client<Api>; socket: WebSocket }> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/api`, { headers: { cookie, origin: `http://127.0.0.1:${port}` } });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { client: createClient<Api>(websocketClientPort(socket)), socket };
}

describe('serve: a run outlives the socket that started it', () => {
  it('keeps running when the socket closes mid-run; a new socket lists it, follows it to its end and reads its results', async () => {
    const first = await connect();
    let progressed!: () => void;
    const progressing = new Promise<void>((resolve) => (progressed = resolve));
    const started = first.client.call('run.start', { path: project, model: 'tiny', provider: 'cpu', batch: 1 }, { onProgress: (p) => p.phase === 'extraction' && p.done > 0 && progressed() });
    started.catch(() => undefined); // its answer never arrives: the socket closes first
    await progressing;
    first.socket.close();
    await new Promise((r) => first.socket.once('close', r));

    const second = await connect();
    try {
      const running = await second.client.call('run.list', { path: project });
      expect(running.map((r) => r.status)).toEqual(['running']);
      const jobs = await second.client.call('job.list', {});
      const job = jobs.find((j) => j.method === 'run.start' && j.project === project);
      expect(job, JSON.stringify(jobs)).toBeDefined();
      // Followed from the new socket, well past the moment the old socket's close used to cancel it (8 s).
      const followed: number[] = [];
      const ended = await second.client.call('job.follow', { id: job!.id }, { onProgress: (p) => followed.push(p.done) });
      expect(ended, serverErr).toMatchObject({ id: job!.id, method: 'run.start', status: 'finished', error: null });
      expect(followed.length).toBeGreaterThan(0);
      expect((await second.client.call('run.list', { path: project })).map((r) => r.status)).toEqual(['finished']);
      expect(await second.client.call('job.list', {})).toEqual([]);
      const table = await second.client.call('results.table', { path: project, run: running[0]!.id });
      expect(table.rows.length).toBeGreaterThan(0);
    } finally {
      second.client.close();
      second.socket.close();
    }
  }, 180_000);
});
