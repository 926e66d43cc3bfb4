// Thumbnails from the project file as data URLs (the CSP allows data: images). The engine answers at most
// 500 ids per call, so larger requests are split.
import type { EngineClient } from './engine-connection.ts';

const MAX_IDS = 500;

export async function loadThumbnails(engine: EngineClient, path: string, ids: number[], signal?: AbortSignal): Promise<Map<number, string>> {
  const urls = new Map<number, string>();
  for (let i = 0; i < ids.length; i += MAX_IDS) {
    const batch = await engine.call('stimuli.thumbnails', { path, ids: ids.slice(i, i + MAX_IDS) }, signal ? { signal } : {});
    for (const t of batch) urls.set(t.id, `data:${t.mime};base64,${t.base64}`);
  }
  return urls;
}
