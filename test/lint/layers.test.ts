// The per-folder import allow-lists of eslint.config.js (local/layers) catch an import across layers,
// through the real lint configuration, and let the allowed ones through.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'local/layers').map((m) => m.message);
}

describe('layering lint rule', () => {
  it('refuses imports a folder does not list, naming the folder and the target', async () => {
    expect(await layerErrors('src-main/engine/stats/new-metric.ts', "import { readRunLayers } from '../storage/run-inputs-store.ts';\nexport const f = readRunLayers;\n")).toEqual([
      "src-main/engine/stats may not import '../storage/run-inputs-store.ts' (src-main/engine/storage/run-inputs-store.ts); its allowed imports are listed in eslint.config.js (LAYERS).",
    ]);
    expect(await layerErrors('src-main/engine/inference/new-step.ts', "export { runAnalysis } from '../runs/run-analysis.ts';\n")).toHaveLength(1);
    expect(await layerErrors('src-main/engine/storage/new-store.ts', "const m = await import('../runs/run-plan.ts');\nexport const f = m;\n")).toHaveLength(1);
    expect(await layerErrors('src-main/engine/stats/new-metric.ts', "import { z } from 'zod';\nexport const s = z;\n")).toEqual([expect.stringContaining("may not import 'zod' (a package)")]);
    expect(await layerErrors('src-main/cli/commands/new-command.ts', "import { Project } from '../../engine/project.ts';\nexport const p = Project;\n")).toHaveLength(1);
  });

  it('lets through what a folder lists and its own files', async () => {
    const code = "import { z } from 'zod';\nimport type { RecipeSettings } from '../../contract/recipe.ts';\nimport type { TapShape } from '../pipeline-types.ts';\nimport { statement } from './statements.ts';\nexport type T = [RecipeSettings, TapShape, typeof z, typeof statement];\n";
    expect(await layerErrors('src-main/engine/storage/new-store.ts', code)).toEqual([]);
    expect(await layerErrors('src-main/engine/handlers/new-handlers.ts', "import { runAnalysis } from '../runs/run-analysis.ts';\nexport const f = runAnalysis;\n")).toEqual([]);
  });
});
