// Module paths, in the framework's own naming, of the nodes of a graph: what friendly tap names are made
// of. Three sources, the first that has one wins:
// - torch dynamo exports: node metadata `pkg.torch.onnx.name_scopes`, e.g. ['', 'layer1', 'layer1.0',
//   'layer1.0.relu', 'relu_3'] (qualified module names, then the op's own name);
// - torch's legacy exporter: node (or output tensor) names like '/layer1/layer1.0/relu_2/Relu' or
//   '/encoder/layers/encoder_layer_0/Add_1' (one segment per module, then the op);
// - dotted names such as this app's generated models use ('layer1.0.relu').
// A path is kept as its dotted components, so that common prefixes never split 'features.1' from 'features.10'.
import type { NodeProto } from '../proto.ts';

export type ModulePath = readonly string[];

const NAME_SCOPES = 'pkg.torch.onnx.name_scopes';

function fromNameScopes(node: NodeProto): ModulePath | null {
  const value = (node.metadataProps ?? []).find((m) => m.key === NAME_SCOPES)?.value;
  if (!value) return null;
  const names = [...value.matchAll(/'([^']*)'/g)].map((m) => m[1]!).filter(Boolean);
  // The last name is the op's own (relu_3, add_95); the one before it the innermost module.
  const module = names.length >= 2 ? names[names.length - 2]! : '';
  return module ? module.split('.') : [];
}

/** '/features/features.3/Conv' -> features.3; '/encoder/layers/encoder_layer_0/Add_1' -> encoder.layers.encoder_layer_0. */
function fromSlashName(name: string): ModulePath | null {
  if (!name.startsWith('/')) return null;
  const segments = name.split('/').filter(Boolean);
  segments.pop();
  // A segment is either an attribute name ('conv', 'relu_2') or qualified by its parent's segment
  // ('features.1' under 'features', 'conv.0' under 'conv'): then it replaces that segment.
  let path = '';
  let previous = '';
  for (const s of segments) {
    path = previous && s.startsWith(`${previous}.`) ? `${path.slice(0, path.length - previous.length)}${s}` : path ? `${path}.${s}` : s;
    previous = s;
  }
  return path ? path.split('.') : [];
}

function fromDottedName(name: string): ModulePath | null {
  // Exporter-generated names (onnx::Conv_541, Conv_12, node_relu_3) carry no module path.
  if (!name || name.includes(':') || name.includes('/') || !/^[A-Za-z_][\w]*(\.[\w]+)*$/.test(name) || /^(node_)?[A-Z]\w*_\d+$/.test(name)) return null;
  return name.includes('.') ? name.split('.') : null;
}

/** The module path of a node, or null when its names say nothing about modules. */
export function modulePath(node: NodeProto): ModulePath | null {
  const output = node.output?.[0] ?? '';
  return fromNameScopes(node) ?? fromSlashName(node.name ?? '') ?? fromSlashName(output) ?? fromDottedName(node.name ?? '') ?? null;
}

/** The longest common prefix of module paths (paths of null are skipped); null when none is known. */
export function commonPath(paths: readonly (ModulePath | null)[]): ModulePath | null {
  let common: string[] | null = null;
  for (const p of paths) {
    if (p === null) continue;
    if (common === null) {
      common = [...p];
      continue;
    }
    let k = 0;
    while (k < common.length && k < p.length && common[k] === p[k]) k++;
    common.length = k;
  }
  return common;
}

export function pathName(path: ModulePath | null): string | null {
  return path && path.length > 0 ? path.join('.') : null;
}
