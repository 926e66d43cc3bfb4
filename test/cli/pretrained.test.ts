// The CLI for pretrained models and weights: `model catalogue --json` (pinned URLs and sha256s),
// `model import-weights` into a project and its one-line refusal, `model download` refusing wrong bytes
// from a mirror and saying when there is no network, `stimuli fetch-floc` on an archive that is not fLoc.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSafetensors } from '../../src-main/engine/weights/safetensors.ts';
import { makeFlocArchive } from '../engine/floc/floc-archive.ts';
import { randomStateDict } from '../engine/weights/random-weights.ts';
import { CLI, runCli, type CliResult } from '../support/run-cli.ts';
import { startFileServer, type FileServer } from '../support/file-server.ts';
import { scratchDirs } from '../support/scratch.ts';

const tempDir = scratchDirs();

let server: FileServer;
beforeAll(async () => {
  server = await startFileServer({ '/mirror/model.safetensors': Buffer.alloc(4096, 1) });
});
afterAll(() => server.close());

/** The CLI in a child process without blocking this one (the test's server must keep answering). */
function runCliAsync(args: string[]): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

describe('unitscope model catalogue / import-weights / download', () => {
  it('lists the catalogue with pinned URLs, sha256s, licences and presets', () => {
    const result = runCli(['model', 'catalogue', '--json']);
    expect(result.code).toBe(0);
    const entries = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(entries.map((e) => e.name)).toEqual(['resnet50-imagenet-v1', 'clip-rn50-openai', 'clip-rn50-yfcc15m', 'clip-vit-b32-openai', 'clip-vit-b16-openai', 'clip-vit-l14-openai']);
    for (const e of entries) {
      expect(Object.keys(e)).toEqual(expect.arrayContaining(['name', 'url', 'sha256', 'bytes', 'licence', 'preset', 'architecture', 'trainingData', 'inputName', 'outputName', 'taps']));
      expect(e.sha256).toMatch(/^[0-9a-f]{64}$/);
      // Pinned: a Hugging Face commit, or a content-addressed URL (OpenAI's carries the file's sha256).
      if (String(e.url).startsWith('https://openaipublic.azureedge.net/')) expect(e.url).toContain(`/${String(e.sha256)}/`);
      else expect(e.url).toMatch(/^https:\/\/huggingface\.co\/.+\/resolve\/[0-9a-f]{40}\//);
    }
    expect(entries.map((e) => [e.licence, e.preset])).toEqual([['BSD-3-Clause', 'imagenet'], ['MIT', 'clip'], ['MIT', 'clip'], ['MIT', 'clip'], ['MIT', 'clip'], ['MIT', 'clip']]);
  });

  it('imports OpenAI-named CLIP weights into a project (text tower ignored) and refuses weights that do not fit in one line', () => {
    const dir = tempDir();
    const project = join(dir, 'p.unitscope');
    expect(runCli(['project', 'create', project]).code).toBe(0);
    const weights = join(dir, 'clip.safetensors');
    writeFileSync(weights, encodeSafetensors([...randomStateDict('clip-rn50', 8, 'visual.'), { name: 'transformer.resblocks.0.attn.in_proj_weight', shape: [2, 2], data: new Float32Array(4) }]));
    const ok = runCli(['model', 'import-weights', weights, '--arch', 'clip-rn50', '--project', project, '--name', 'clip', '--json']);
    expect(ok.stderr).not.toMatch(/error|problem/i);
    expect(ok.code).toBe(0);
    const info = JSON.parse(ok.stdout) as { storage: string; preprocessing: { preset: string }; taps: { name: string }[] };
    expect(info.storage).toBe('generated');
    expect(info.preprocessing.preset).toBe('clip');
    expect(info.taps.map((t) => t.name)).toContain('layer4.2');

    const broken = join(dir, 'broken.safetensors');
    writeFileSync(broken, encodeSafetensors(randomStateDict('resnet50', 2).filter((t) => !t.name.startsWith('layer4.2.'))));
    const bad = runCli(['model', 'import-weights', broken, '--arch', 'resnet50', '--out', join(dir, 'r.onnx')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n').filter((l) => !l.startsWith('convert:'))).toHaveLength(1);
    expect(bad.stderr).toMatch(/broken\.safetensors: these weights do not fit resnet50 .*missing 15: layer4\.2\.conv1\.weight, /);
    expect(runCli(['model', 'import-weights', broken, '--arch', 'vgg', '--out', 'x.onnx']).code).toBe(2);
  }, 120_000);

  it('download: wrong bytes from a mirror and no network are clear one-line failures', async () => {
    const dir = tempDir();
    const project = join(dir, 'p.unitscope');
    expect(runCli(['project', 'create', project]).code).toBe(0);
    const wrong = await runCliAsync(['model', 'download', project, 'resnet50-imagenet-v1', '--url', `${server.base}/mirror/model.safetensors`]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/checksum mismatch: expected sha256 5d061a3c593d795bfe682d9b152bafbcf550579873492def3515b46db1189888, got [0-9a-f]{64}/);
    const offline = await runCliAsync(['model', 'download', project, 'clip-rn50-openai', '--url', 'http://no-such-host.invalid/model.onnx']);
    expect(offline.code).toBe(1);
    expect(offline.stderr).toMatch(/cannot resolve no-such-host\.invalid: no network, or no such host/);
    const unknown = await runCliAsync(['model', 'download', project, 'vgg16']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no catalogue entry named 'vgg16'; the catalogue has resnet50-imagenet-v1, clip-rn50-openai, clip-rn50-yfcc15m, clip-vit-b32-openai, clip-vit-b16-openai, clip-vit-l14-openai/);
  }, 60_000);

  it('stimuli fetch-floc names an archive that is not fLoc at the pinned commit', async () => {
    const dir = tempDir();
    const project = join(dir, 'p.unitscope');
    expect(runCli(['project', 'create', project]).code).toBe(0);
    const { archive } = await makeFlocArchive(tempDir());
    const result = await runCliAsync(['stimuli', 'fetch-floc', project, '--url', archive]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/none of the 1584 fLoc images matched the manifest \(first: stimuli\/adult\/adult-1\.jpg has \d+ bytes in the archive, the manifest lists 130264\); is this the fLoc archive at commit de6a26cc/);
  }, 60_000);
});
