#!/usr/bin/python3
"""The PyTorch peer of bench/extract-vs-pytorch.ts, written the efficient way a lab would.

torchvision's resnet50(weights=None) (untrained, as Unitscope's generated model), forward hooks on the 16
bottleneck blocks, float64 per-category sums and sums of squares accumulated with index_add_ (the
sufficient statistics of the same t-tests), the ImageNet preprocessing (Resize(256) bilinear antialiased,
CenterCrop(224), Normalize), images decoded by one DataLoader worker while the network runs, every core
given to torch, under inference_mode.

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
    model = torchvision.models.resnet50(weights=None).eval()
    blocks = [block for layer in (model.layer1, model.layer2, model.layer3, model.layer4) for block in layer]
    assert len(blocks) == 16
    k = spec["categories"]
    sums = [None] * len(blocks)
    squares = [None] * len(blocks)
    current = {}

    def hook(index):
        def record(_module, _inputs, output):
            x = output.reshape(output.shape[0], -1).double()
            if sums[index] is None:
                sums[index] = torch.zeros(k, x.shape[1], dtype=torch.float64)
                squares[index] = torch.zeros(k, x.shape[1], dtype=torch.float64)
            sums[index].index_add_(0, current["categories"], x)
            squares[index].index_add_(0, current["categories"], x * x)

        return record

    for i, block in enumerate(blocks):
        block.register_forward_hook(hook(i))
    loader = torch.utils.data.DataLoader(Images(spec["images"]), batch_size=spec["batch"], num_workers=1)
    counts = torch.zeros(k, dtype=torch.float64)
    started = time.perf_counter()
    with torch.inference_mode():
        for pixels, categories in loader:
            current["categories"] = categories
            counts.index_add_(0, categories, torch.ones(len(categories), dtype=torch.float64))
            model(pixels)
    seconds = time.perf_counter() - started
    n = len(spec["images"])
    assert int(counts.sum()) == n
    print(json.dumps({"images": n, "seconds": seconds, "images_per_s": n / seconds, "threads": threads, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
