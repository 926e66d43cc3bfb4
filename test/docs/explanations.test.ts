// Every explanation the app shows (tooltips, the Method screen's links, the figure captions' method.md
// references) cites a section that docs/method.md has, by its explicit anchor.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { citedAnchors, explain, STATISTICS } from '../../src-main/contract/explanations.ts';
import { RECIPE_PARAMETER_KEYS, RECIPES } from '../../src-main/contract/recipe.ts';

const method = readFileSync(new URL('../../docs/method.md', import.meta.url), 'utf8');
const anchors = new Set([...method.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]!));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : /\.(ts|svelte)$/.test(e.name) ? [join(dir, e.name)] : []));
}

describe('explanations', () => {
  it('every cited anchor exists in docs/method.md', () => {
    const cited = citedAnchors();
    expect(cited.length).toBeGreaterThan(15);
    for (const anchor of cited) expect(anchors.has(anchor), anchor).toBe(true);
  });

  it('the renderer cites only anchors that exist (captions write "method.md #anchor")', () => {
    const root = new URL('../../src-renderer/src', import.meta.url).pathname;
    for (const file of sources(root)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/method\.md ?#([a-z0-9-]+)/g)) expect(anchors.has(m[1]!), `${file}: #${m[1]}`).toBe(true);
      for (const m of text.matchAll(/\(#(relative-depth|[a-z]+-[a-z-]+)\)/g)) expect(anchors.has(m[1]!), `${file}: #${m[1]}`).toBe(true);
    }
  });

  it('explains every statistic, recipe and setting the issue names in one line', () => {
    const topics = [...Object.keys(STATISTICS), ...RECIPES, ...RECIPE_PARAMETER_KEYS] as Parameters<typeof explain>[0][];
    for (const topic of ['csi', 'dprime', 'channel-entropy', 'channel-gini', 'consistency', 'relative-depth', 'pooled', 'welch', 'bh', 'by', 't-min', 'q-max'] as const) expect(topics).toContain(topic);
    for (const topic of topics) {
      const e = explain(topic);
      expect(e.meaning.length, topic).toBeGreaterThan(10);
      expect(e.meaning).not.toContain('\n');
      expect(e.docs).toMatch(/^docs\/method\.md#/);
    }
  });
});
