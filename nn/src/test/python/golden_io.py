"""Writes golden files that Nabla's Java tests read with dev.nabla.nn.Goldens.

Format: one entry per line, UTF-8 text.
    meta <key> <value...>
    tensor <name> <dims, comma-separated, or - for a scalar> <values...>
    long <name> <dims> <values...>
A tensor entry holds float32 numbers printed with repr() of the float, so the Java side recovers
exactly the float32 that PyTorch computed; a long entry holds an integer tensor (class-index
targets, embedding indices, num_batches_tracked), read back as int64.
"""
import os
import torch


class Golden:
    def __init__(self, directory, name):
        self.path = os.path.join(directory, name + '.txt')
        self.lines = []

    def meta(self, key, value):
        self.lines.append(f"meta {key} {value}")
        return self

    def tensor(self, name, t):
        t = torch.as_tensor(t).detach()
        if not t.is_floating_point():
            return self._entry('long', name, t.to(torch.int64), int)
        return self._entry('tensor', name, t.to(torch.float32), lambda v: repr(float(v)))

    def _entry(self, kind, name, t, text):
        t = t.contiguous()
        dims = ','.join(str(d) for d in t.shape) if t.dim() > 0 else '-'
        values = ' '.join(str(text(v)) for v in t.reshape(-1).tolist())
        self.lines.append(f"{kind} {name} {dims} {values}".rstrip())
        return self

    def save(self):
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with open(self.path, 'w') as f:
            f.write('\n'.join(self.lines) + '\n')
