// Operators a model uses that onnxruntime-node cannot run, found before tap detection so that the user
// hears about the operator, not about taps. Statically: nodes of an operator domain the model does not
// import, and custom domains (anything but ONNX's own and onnxruntime's contrib domains) that no function
// in the model defines. What ORT itself refuses when it loads the graph (an ONNX op unknown at the
// model's opset, a missing kernel) is named by inference/session.ts modelError.
import { EngineError } from '../errors.ts';
import type { ModelProto } from './proto.ts';

/** Domains onnxruntime-node 1.30's CPU build registers kernels in. */
const ORT_DOMAINS = new Set(['', 'ai.onnx', 'ai.onnx.ml', 'com.microsoft', 'com.microsoft.nchwc', 'ai.onnx.preview.training']);

interface LocalFunction {
  name?: string;
  domain?: string;
}

export function checkOperators(model: ModelProto, file: string): void {
  const imported = new Set((model.opsetImport ?? []).map((o) => o.domain ?? ''));
  const functions = new Set(((model.functions ?? []) as LocalFunction[]).map((f) => `${f.domain ?? ''}:${f.name ?? ''}`));
  const notImported = new Map<string, number>();
  const custom = new Map<string, number>();
  for (const node of model.graph?.node ?? []) {
    const domain = node.domain ?? '';
    const key = `${domain}:${node.opType ?? ''}`;
    if (functions.has(key)) continue;
    if (!imported.has(domain) && !(domain === 'ai.onnx' && imported.has(''))) notImported.set(key, (notImported.get(key) ?? 0) + 1);
    else if (!ORT_DOMAINS.has(domain)) custom.set(key, (custom.get(key) ?? 0) + 1);
  }
  const list = (m: Map<string, number>) => [...m.entries()].map(([k, n]) => `${k.startsWith(':') ? k.slice(1) : k} (${n} node${n === 1 ? '' : 's'})`).join(', ');
  if (custom.size > 0) {
    throw new EngineError('unsupported', `${file}: uses custom operators that onnxruntime-node does not have: ${list(custom)}; re-export the model with standard ONNX operators`, { file });
  }
  if (notImported.size > 0) {
    throw new EngineError('bad_input', `${file}: uses operators of a domain the model does not import (no opset_import entry): ${list(notImported)}`, { file });
  }
}
