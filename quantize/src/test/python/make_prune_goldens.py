#!/usr/bin/env python3
"""PyTorch goldens of pruning and distillation (quantize/src/test/resources/goldens), read by
PruningGoldenTest and DistillationLossTest.

Run with Debian's PyTorch 1.13:  /usr/bin/python3 quantize/src/test/python/make_prune_goldens.py

  prune_l1_<case>      torch.nn.utils.prune.l1_unstructured on one tensor, once or twice: the
                       weights, the amounts and PyTorch's mask. Several cases are full of ties
                       (values i % 3, quantized values), where the mask depends on how torch.topk
                       orders equal values (partial_sort when k * 64 <= n, else nth_element).
  prune_global_<case>  global_unstructured over three tensors: the weights and the three masks
  distill_<case>       the Hinton loss alpha*T^2*KL(softmax(t/T) || softmax(s/T)) (batch mean) +
                       (1-alpha)*CE(s, y), its value and gradient with respect to the student logits
  prune_index          the case names
"""
import os, sys
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.utils.prune as prune

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', '..', '..', 'nn', 'src', 'test', 'python'))
from golden_io import Golden  # noqa: E402

OUT = os.path.join(HERE, '..', 'resources', 'goldens')
INDEX = {'l1': [], 'global': [], 'distill': []}


class Holder(nn.Module):
    def __init__(self, w):
        super().__init__()
        self.weight = nn.Parameter(w.clone())


def l1_case(name, w, amounts):
    h = Holder(w)
    for a in amounts:
        prune.l1_unstructured(h, 'weight', amount=a)
    g = Golden(OUT, 'prune_l1_' + name)
    g.meta('amounts', ' '.join(repr(a) for a in amounts))
    g.tensor('weight', w)
    g.tensor('mask', h.weight_mask)
    g.save()
    INDEX['l1'].append(name)


def global_case(name, ws, amounts):
    hs = [Holder(w) for w in ws]
    for a in amounts:
        prune.global_unstructured([(h, 'weight') for h in hs], pruning_method=prune.L1Unstructured, amount=a)
    g = Golden(OUT, 'prune_global_' + name)
    g.meta('amounts', ' '.join(repr(a) for a in amounts))
    g.meta('count', str(len(ws)))
    for i, (w, h) in enumerate(zip(ws, hs)):
        g.tensor(f'weight{i}', w)
        g.tensor(f'mask{i}', h.weight_mask)
    g.save()
    INDEX['global'].append(name)


def distill_case(name, n, c, temperature, alpha, seed):
    torch.manual_seed(seed)
    s = (torch.randn(n, c) * 3).requires_grad_()
    t = torch.randn(n, c) * 3
    y = torch.randint(0, c, (n,))
    kl = F.kl_div(F.log_softmax(s / temperature, dim=1), F.softmax(t / temperature, dim=1), reduction='batchmean')
    loss = alpha * temperature * temperature * kl + (1 - alpha) * F.cross_entropy(s, y)
    loss.backward()
    g = Golden(OUT, 'distill_' + name)
    g.meta('temperature', repr(temperature))
    g.meta('alpha', repr(alpha))
    g.tensor('student', s)
    g.tensor('teacher', t)
    g.tensor('target', y)
    g.tensor('loss', loss)
    g.tensor('grad', s.grad)
    g.save()
    INDEX['distill'].append(name)


def ties(n):
    return torch.tensor([float(i % 3) for i in range(n)])


def main():
    torch.manual_seed(0)
    l1_case('random_conv', torch.randn(4, 3, 3, 3), [0.5])
    l1_case('random_linear_twice', torch.randn(16, 20), [0.5, 0.4])
    for n in (10, 100, 1000, 5000):
        for a in (0.01, 0.3, 0.5, 0.9):
            l1_case(f'ties_{n}_{int(a * 100)}', ties(n), [a])
    l1_case('quantized', torch.round(torch.randn(30, 40) * 4) / 4, [0.6])
    l1_case('quantized_twice', torch.round(torch.randn(2000) * 2) / 2, [0.005, 0.7])
    l1_case('half_rounding', torch.randn(5), [0.5])  # round(2.5) = 2, half to even
    global_case('random', [torch.randn(6, 1, 5, 5), torch.randn(10, 12), torch.randn(7)], [0.7])
    global_case('ties_twice', [torch.round(torch.randn(8, 3, 3, 3) * 3) / 3, ties(300).view(30, 10),
                               torch.zeros(40)], [0.4, 0.5])
    distill_case('t4_a07', 8, 10, 4.0, 0.7, 1)
    distill_case('t1_a05', 5, 3, 1.0, 0.5, 2)
    distill_case('t10_a1', 6, 7, 10.0, 1.0, 3)
    distill_case('t2_a0', 4, 5, 2.0, 0.0, 4)
    g = Golden(OUT, 'prune_index')
    for k, v in INDEX.items():
        g.meta(k, ' '.join(v))
    g.save()


if __name__ == '__main__':
    main()
