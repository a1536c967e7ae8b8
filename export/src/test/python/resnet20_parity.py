#!/usr/bin/env python3
"""Writes a PyTorch ResNet-20 for CIFAR, its inputs and outputs, for Nabla's ResNet20 to match.

Usage: /usr/bin/python3 resnet20_parity.py <dir>   (run by dev.nabla.export.ResNet20ParityTest)
Exit code 77 means torch is not importable (the test is then skipped).

The model is the well-known CIFAR ResNet-20 of Yerlan Idelbayev's pytorch_resnet_cifar10
(https://github.com/akamaster/pytorch_resnet_cifar10, resnet.py), written out here with the same
module names: conv1, bn1, layer1..layer3 (nn.Sequential of BasicBlock: conv1, bn1, conv2, bn2 and
the parameter-free option-A shortcut), linear. Its state dict keys are therefore the ones a
checkpoint of that repository has.

Writes  resnet20_state.safetensors        the state dict (weights, non-trivial BN statistics)
        resnet20_io.safetensors           x [4, 3, 32, 32], y_eval (eval-mode logits), y_train
                                          (training-mode logits of the same x)
        resnet20_state_after.safetensors  the state dict after that training-mode pass
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_interop import save  # exits with 77 when torch is missing

import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.pad = planes - in_planes
        self.stride = stride

    def shortcut(self, x):
        if self.stride == 1 and self.pad == 0:
            return x
        # option A: subsample, then zero channels on both sides
        x = x[:, :, ::self.stride, ::self.stride]
        return F.pad(x, (0, 0, 0, 0, self.pad // 2, self.pad - self.pad // 2))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet20(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layer1 = self.stage(16, 16, 1)
        self.layer2 = self.stage(16, 32, 2)
        self.layer3 = self.stage(32, 64, 2)
        self.linear = nn.Linear(64, num_classes)

    @staticmethod
    def stage(in_planes, planes, stride):
        return nn.Sequential(BasicBlock(in_planes, planes, stride), BasicBlock(planes, planes), BasicBlock(planes, planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        out = F.avg_pool2d(out, out.size()[3])
        return self.linear(out.view(out.size(0), -1))


def main(d):
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = ResNet20()
    with torch.no_grad():
        # Non-trivial affine parameters and running statistics, as after some training.
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
        model.train()
        for _ in range(3):
            model(torch.randn(8, 3, 32, 32) * 2 + 0.5)
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    save(os.path.join(d, 'resnet20_state.safetensors'), state, {'format': 'pt'})
    x = torch.randn(4, 3, 32, 32)
    with torch.no_grad():
        model.eval()
        y_eval = model(x)
        model.train()
        y_train = model(x)
    save(os.path.join(d, 'resnet20_io.safetensors'), {'x': x, 'y_eval': y_eval, 'y_train': y_train})
    save(os.path.join(d, 'resnet20_state_after.safetensors'), dict(model.state_dict()))
    print('resnet20 ok')


if __name__ == '__main__':
    main(sys.argv[1])
