#!/usr/bin/env python3
"""Writes ONNX files with PyTorch's own exporter, for Nabla's importer to read (OnnxImportTest).

Usage: /usr/bin/python3 make_onnx_models.py <dir>
Exit code 77 means torch is not importable (the test is then skipped).

For each model NAME (lenet5, vgg_bn, resnet20, lstm, transformer) it writes
    NAME.onnx                 torch.onnx.export, opset 17, dynamic batch axis ('batch')
    NAME_io.safetensors       x (an input of batch 3) and y (PyTorch's eval-mode output)
The models are the usual PyTorch definitions: LeNet-5 as in shared/peers/torch_bench.py (c1, c2,
f1..f3; MNIST's 28x28 padded by 2), the VGG-style CNN with BatchNorm of torch_cifar_subset.py,
ResNet-20 of akamaster/pytorch_resnet_cifar10 (resnet20_parity.py), a two-layer batch-first LSTM
classifier on the last step, and two nn.TransformerEncoderLayer (batch first; ReLU, then GELU
pre-norm) averaged over time. Batch norms get non-trivial statistics from three training-mode
passes. Exports use training=PRESERVE on eval-mode models, so batch norms stay BatchNormalization
nodes instead of being folded into the convolutions' weights (what training=EVAL does).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_interop import save  # exits with 77 when torch is missing
from resnet20_parity import ResNet20

import torch
import torch.nn as nn
import torch.nn.functional as F


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5, padding=2)
        self.c2 = nn.Conv2d(6, 16, 5)
        self.f1 = nn.Linear(16 * 5 * 5, 120)
        self.f2 = nn.Linear(120, 84)
        self.f3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        x = torch.flatten(x, 1)
        return self.f3(F.relu(self.f2(F.relu(self.f1(x)))))


def vgg_bn():
    layers, c = [], 3
    for w in (32, 32, 0, 64, 64, 0):
        if w == 0:
            layers.append(nn.MaxPool2d(2))
            continue
        layers += [nn.Conv2d(c, w, 3, padding=1), nn.BatchNorm2d(w), nn.ReLU()]
        c = w
    layers += [nn.Flatten(), nn.Linear(64 * 8 * 8, 256), nn.ReLU(), nn.Linear(256, 10)]
    return nn.Sequential(*layers)


class LstmClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(5, 12, num_layers=2, batch_first=True)
        self.fc = nn.Linear(12, 4)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])


class TransformerClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([
            nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.1, batch_first=True),
            nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.1, activation='gelu',
                                       batch_first=True, norm_first=True),
        ])
        self.head = nn.Linear(16, 3)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.head(x.mean(1))


class TracedResNet20(ResNet20):
    """resnet20_parity's model; the pooling size is read as an int, which tracing needs."""

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        out = F.avg_pool2d(out, int(out.size(3)))
        return self.linear(out.view(out.size(0), -1))


def warm(model, shape):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
        model.train()
        for _ in range(3):
            model(torch.randn(*shape) * 2 + 0.5)
    model.eval()


def export(d, name, model, example, x):
    model.eval()
    path = os.path.join(d, name + '.onnx')
    torch.onnx.export(model, example, path, opset_version=17, input_names=['input'], output_names=['output'],
                      dynamic_axes={'input': {0: 'batch'}, 'output': {0: 'batch'}},
                      training=torch.onnx.TrainingMode.PRESERVE)
    with torch.no_grad():
        y = model(x)
    save(os.path.join(d, name + '_io.safetensors'), {'x': x.contiguous(), 'y': y.contiguous()}, {'format': 'pt'})


def main(d):
    torch.manual_seed(0)
    torch.set_num_threads(1)
    export(d, 'lenet5', LeNet5(), torch.randn(2, 1, 28, 28), torch.randn(3, 1, 28, 28))
    vgg = vgg_bn()
    warm(vgg, (8, 3, 32, 32))
    export(d, 'vgg_bn', vgg, torch.randn(2, 3, 32, 32), torch.randn(3, 3, 32, 32))
    resnet = TracedResNet20()
    warm(resnet, (8, 3, 32, 32))
    export(d, 'resnet20', resnet, torch.randn(2, 3, 32, 32), torch.randn(3, 3, 32, 32))
    export(d, 'lstm', LstmClassifier(), torch.randn(2, 7, 5), torch.randn(3, 7, 5))
    export(d, 'transformer', TransformerClassifier(), torch.randn(2, 6, 16), torch.randn(3, 6, 16))


if __name__ == '__main__':
    main(sys.argv[1])
