#!/usr/bin/env python3
"""Export pretrained models to ONNX for Unitscope (for users with PyTorch).

    python3 export_models.py resnet50 [--weights IMAGENET1K_V1|IMAGENET1K_V2] --out resnet50.onnx
    python3 export_models.py clip-rn50 --out clip_rn50_visual.onnx        # needs `pip install openai-clip` or `clip`

Block outputs get stable names: every residual block's output tensor is renamed to its module path
(`layer1.0` ... `layer4.2`), the stem's to `stem` and the pooled output to `avgpool` / `attnpool`, so
Unitscope's auto-tap shows torchvision's names whatever the exporter's own naming. The batch axis is
dynamic; the input is N x 3 x 224 x 224 float (preprocessing presets imagenet / clip).
"""
import argparse
import sys


def block_outputs(model, stem_module):
    """Forward hooks record which tensor each block produced, to rename graph tensors after export."""
    import torch

    names = {}
    hooks = []

    def hook(name):
        def fn(_module, _inputs, output):
            names[name] = output
        return fn

    for stage in ("layer1", "layer2", "layer3", "layer4"):
        for index, block in enumerate(getattr(model, stage)):
            hooks.append(block.register_forward_hook(hook(f"{stage}.{index}")))
    hooks.append(stem_module.register_forward_hook(hook("stem")))
    return names, hooks


class Named(__import__("torch").nn.Module):
    """Wraps a model so its block outputs are extra graph outputs with friendly names."""

    def __init__(self, model, stem, pool_name):
        super().__init__()
        self.model = model
        self.stem = stem
        self.pool_name = pool_name

    def forward(self, x):
        names, hooks = block_outputs(self.model, self.stem)
        out = self.model(x)
        for h in hooks:
            h.remove()
        ordered = ["stem"] + [f"layer{s}.{b}" for s, n in zip(range(1, 5), (3, 4, 6, 3)) for b in range(n)]
        return (out, *[names[k] for k in ordered])


def export(module, pool_name, out, opset):
    import torch

    wrapped = Named(module, module.maxpool if hasattr(module, "maxpool") else module.avgpool, pool_name)
    wrapped.eval()
    x = torch.randn(1, 3, 224, 224)
    names = [pool_name, "stem"] + [f"layer{s}.{b}" for s, n in zip(range(1, 5), (3, 4, 6, 3)) for b in range(n)]
    torch.onnx.export(
        wrapped,
        (x,),
        out,
        input_names=["input"],
        output_names=names,
        dynamic_axes={"input": {0: "N"}, **{n: {0: "N"} for n in names}},
        opset_version=opset,
        dynamo=False,
    )
    # Unitscope taps internal tensors itself; keep only the model's own output as a graph output.
    import onnx

    model = onnx.load(out)
    keep = [o for o in model.graph.output if o.name == pool_name]
    del model.graph.output[:]
    model.graph.output.extend(keep)
    onnx.save(model, out)
    print(f"wrote {out}", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", choices=["resnet50", "clip-rn50"])
    parser.add_argument("--weights", default="IMAGENET1K_V1")
    parser.add_argument("--out", required=True)
    parser.add_argument("--opset", type=int, default=17)
    args = parser.parse_args()
    import torch  # noqa: F401

    if args.model == "resnet50":
        import torchvision

        model = torchvision.models.resnet50(weights=args.weights)
        model.fc = __import__("torch").nn.Identity()  # pooled 2048-d output, named avgpool
        export(model.eval(), "avgpool", args.out, args.opset)
    else:
        import clip

        model, _ = clip.load("RN50", device="cpu", jit=False)
        visual = model.visual.float().eval()
        export(visual, "attnpool", args.out, args.opset)


if __name__ == "__main__":
    main()
