#!/usr/bin/python3
"""The PyTorch peer of bench/extract-vs-pytorch.ts, written the efficient way a lab would.

torchvision's resnet50(weights=None) (untrained, as Unitscope's generated model), forward hooks on the 16
bottleneck blocks, float64 per-category sums and sums of squares (the sufficient statistics of the same
t-tests; images in category order, batches within one category, so each hook adds two reductions over
the batch to its category's rows: 0.6x the time of index_add_ over mixed batches), the ImageNet preprocessing (Resize(256) bilinear antialiased,
CenterCrop(224), Normalize), images decoded by one DataLoader worker while the network runs, every core
given to torch, under inference_mode, the model converted to oneDNN (torch.utils.mkldnn: 1.6-1.9x
eager's images/s on this Debian build with generic BLAS, measured at batch 16; the hooks read each block's
output back as a dense tensor).

usage: extract_pytorch_peer.py IMAGES.json   ({"images": [{"path", "category"}], "categories": K, "batch": B})
Prints one JSON line: images, seconds of the image loop (first batch to the last hook), images_per_s,
threads, torch version.
"""
import json
import os
import sys
import time

import torch
import torchvision
from PIL import Image
from torch.utils import mkldnn
from torchvision import transforms


class Images(torch.utils.data.Dataset):
    def __init__(self, items):
        self.items = items
        self.transform = transforms.Compose(
            [
                transforms.Resize(256),
                transforms.CenterCrop(224),
                transforms.ToTensor(),
                transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
            ]
        )

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        item = self.items[i]
        with Image.open(item["path"]) as img:
            return self.transform(img.convert("RGB")), item["category"]


def main():
    spec = json.load(open(sys.argv[1]))
    threads = os.cpu_count() or 1
    torch.set_num_threads(threads)
    model = mkldnn.to_mkldnn(torchvision.models.resnet50(weights=None).eval())
    blocks = [block for layer in (model.layer1, model.layer2, model.layer3, model.layer4) for block in layer]
    assert len(blocks) == 16
    k = spec["categories"]
    sums = [None] * len(blocks)
    squares = [None] * len(blocks)
    current = {}

    def hook(index):
        def record(_module, _inputs, output):
            x = output.to_dense().reshape(output.shape[0], -1).double()
            if sums[index] is None:
                sums[index] = torch.zeros(k, x.shape[1], dtype=torch.float64)
                squares[index] = torch.zeros(k, x.shape[1], dtype=torch.float64)
            k_now = current["category"]
            sums[index][k_now] += x.sum(0)
            squares[index][k_now] += (x * x).sum(0)

        return record

    for i, block in enumerate(blocks):
        block.register_forward_hook(hook(i))
    items = sorted(spec["images"], key=lambda item: item["category"])
    batches = []
    for category in range(k):
        own = [i for i, item in enumerate(items) if item["category"] == category]
        batches += [own[s : s + spec["batch"]] for s in range(0, len(own), spec["batch"])]
    loader = torch.utils.data.DataLoader(Images(items), batch_sampler=batches, num_workers=1)
    counts = torch.zeros(k, dtype=torch.float64)
    started = time.perf_counter()
    with torch.inference_mode():
        for pixels, categories in loader:
            current["category"] = int(categories[0])
            counts[current["category"]] += len(categories)
            model(pixels.to_mkldnn())
    seconds = time.perf_counter() - started
    n = len(spec["images"])
    assert int(counts.sum()) == n
    print(json.dumps({"images": n, "seconds": seconds, "images_per_s": n / seconds, "threads": threads, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
