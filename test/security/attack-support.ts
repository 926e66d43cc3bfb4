// Tools for the serve-mode attack suite: raw TCP requests, hand-made WebSocket frames (masked or not,
// any opcode, reserved bits, lying lengths), an API client that records every answer, and snapshots of
// a folder tree. Everything talks to 127.0.0.1 only and gives up after a bounded time.
import { connect, type Socket } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { WebSocket } from 'ws';

/** Every byte any probe got back, so the suite can check that nothing from outside the roots leaked. */
export const transcript: string[] = [];

export interface RawAnswer {
  /** What the server sent, as latin1 text. */
  text: string;
  /** The server closed (or reset) the connection. */
  closed: boolean;
}

/** Sends `bytes` on a fresh connection and collects the answer until the server closes or `waitMs` pass. */
export function rawExchange(port: number, bytes: Buffer | string, waitMs = 2000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      transcript.push(text);
      resolve({ text, closed });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
  });
}

/** A client WebSocket frame. `mask: false` breaks the protocol on purpose (clients must mask). */
export function frame(opcode: number, payload: Buffer | string, options: { fin?: boolean; rsv1?: boolean; mask?: boolean; declaredLength?: number } = {}): Buffer {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const length = options.declaredLength ?? data.length;
  const mask = options.mask ?? true;
  const head: number[] = [((options.fin ?? true) ? 0x80 : 0) | (options.rsv1 ? 0x40 : 0) | opcode];
  const maskBit = mask ? 0x80 : 0;
  if (length < 126) head.push(maskBit | length);
  else if (length < 65536) head.push(maskBit | 126, length >> 8, length & 0xff);
  else {
    const big = Buffer.alloc(8);
    big.writeBigUInt64BE(BigInt(length));
    head.push(maskBit | 127, ...big);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), data]);
  const key = randomBytes(4);
  const masked = Buffer.from(data.map((b, i) => b ^ key[i % 4]!));
  return Buffer.concat([Buffer.from(head), key, masked]);
}

export function upgradeRequest(port: number, headers: Record<string, string>): string {
  const lines = [
    'GET /api HTTP/1.1',
    `Host: 127.0.0.1:${port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** An authenticated WebSocket on a raw socket, for sending frames no client library would send. */
export function rawWebSocket(port: number, cookie: string): Promise<{ socket: Socket; received: () => Buffer; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let upgraded = false;
    const closed = new Promise<void>((done) => {
      socket.on('close', () => done());
      socket.on('error', () => done());
    });
    const timer = setTimeout(() => reject(new Error('no WebSocket handshake within 5 s')), 5000);
    socket.on('connect', () => socket.write(upgradeRequest(port, { Cookie: cookie, Origin: `http://127.0.0.1:${port}` })));
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      if (!upgraded && Buffer.concat(chunks).includes('\r\n\r\n')) {
        upgraded = true;
        clearTimeout(timer);
        const head = Buffer.concat(chunks).toString('latin1');
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`handshake refused: ${head.split('\r\n')[0]}`));
        chunks.length = 0;
        resolve({ socket, received: () => Buffer.concat(chunks), closed });
      }
    });
  });
}

/** The close code in the first close frame the server sent (unmasked server frames), or null. */
export function closeCode(data: Buffer): number | null {
  let at = 0;
  while (at + 2 <= data.length) {
    const opcode = data[at]! & 0x0f;
    let length = data[at + 1]! & 0x7f;
    let offset = at + 2;
    if (length === 126) {
      length = data.readUInt16BE(offset);
      offset += 2;
    } else if (length === 127) {
      length = Number(data.readBigUInt64BE(offset));
      offset += 8;
    }
    if (opcode === 0x8) return length >= 2 ? data.readUInt16BE(offset) : 1005;
    at = offset + length;
  }
  return null;
}

export interface ApiAnswer {
  result?: unknown;
  error?: { kind: string; message: string; file?: string };
  /** Length of the raw answer, to check no error echoes a huge input. */
  bytes: number;
}

/** A WebSocket API client as the page would be: cookie and the page's own Origin. Records every answer. */
export async function apiClient(port: number, cookie: string, headers: Record<string, string> = {}): Promise<{ call(method: string, args: unknown): Promise<ApiAnswer>; send(text: string): void; close(): void }> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/api`, { headers: { cookie, origin: `http://127.0.0.1:${port}`, ...headers }, maxPayload: 256 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
  });
  let next = 1;
  const pending = new Map<number, (answer: ApiAnswer) => void>();
  socket.on('message', (data) => {
    const text = String(data);
    transcript.push(text);
    const message = JSON.parse(text) as { type: string; id: number; result?: unknown; error?: ApiAnswer['error'] };
    if (message.type !== 'result' && message.type !== 'error') return;
    pending.get(message.id)?.({ result: message.result, error: message.error, bytes: text.length });
    pending.delete(message.id);
  });
  socket.on('close', () => {
    for (const done of pending.values()) done({ error: { kind: 'closed', message: 'socket closed' }, bytes: 0 });
    pending.clear();
  });
  return {
    call(method, args) {
      const id = next++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        socket.send(JSON.stringify({ type: 'call', id, method, args }));
      });
    },
    send: (text) => socket.send(text),
    close: () => socket.close(),
  };
}

/** Every path under `root` with what it is (file size, link target), to compare before and after. */
export function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const info = lstatSync(full);
      const key = relative(root, full);
      if (info.isSymbolicLink()) out.set(key, `link ${readlinkSync(full)}`);
      else if (info.isDirectory()) {
        out.set(key, 'dir');
        walk(full);
      } else out.set(key, `file ${info.size}`);
    }
  };
  walk(root);
  return out;
}

export function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
