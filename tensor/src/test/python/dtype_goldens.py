#!/usr/bin/env python3
"""PyTorch goldens for Nabla's tensor dtypes (read by dev.nabla.tensor.DTypeGoldenTest).

Run with Debian's PyTorch:  /usr/bin/python3 tensor/src/test/python/dtype_goldens.py
Writes tensor/src/test/resources/goldens/dtypes.txt, one case per line, fields separated by ' | ':

    cast <from> <to> | <input values> | <output values>
    promote <a> <b> | <result dtype>
    binary <op> <dtype a> <dtype b> | <values a> | <values b> | <result dtype> | <result values>
    unary <op> <dtype> | <values> | <result dtype> | <result values>
    reduce <op> <dtype> | <values> | <result dtype> | <result value>
    print <dtype> <shape> | <values> | <repr, with newlines as \\n>

Values are space-separated: integers as they are, floats by repr() (nan, inf, -inf), bools as 1/0.
Cases PyTorch refuses (bool - bool, neg of bool, ...) and the one promotion where Nabla differs
(int8 with uint8: PyTorch's int16, which Nabla lacks, so Nabla gives int32) are left out here and
tested on their own in Java.
"""
import math
import os
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'resources', 'goldens', 'dtypes.txt')

NAMES = {torch.float32: 'float32', torch.int64: 'int64', torch.int32: 'int32', torch.int8: 'int8',
         torch.uint8: 'uint8', torch.bool: 'bool'}
DTYPES = list(NAMES)

# Values per dtype for the operations: limits, signs, zero, and pairs that overflow.
VALUES = {
    torch.float32: [2.5, -1.5, 0.0, 3.0, -7.25, 100.0],
    torch.int64: [2**62, -3, 0, 7, -(2**63), 2**63 - 1],
    torch.int32: [2**31 - 1, -3, 0, 7, -(2**31), 65536],
    torch.int8: [127, -3, 0, 7, -128, 100],
    torch.uint8: [255, 3, 0, 7, 128, 200],
    torch.bool: [True, False, False, True, True, False],
}


def text(t):
    t = t.reshape(-1)
    if t.dtype == torch.bool:
        return ' '.join('1' if v else '0' for v in t.tolist())
    if t.dtype.is_floating_point:
        return ' '.join(repr(float(v)) for v in t.tolist())
    return ' '.join(str(int(v)) for v in t.tolist())


def tensor(values, dtype):
    return torch.tensor(values, dtype=dtype)


def main():
    lines = [f'# Written by tensor/src/test/python/dtype_goldens.py with PyTorch {torch.__version__}; do not edit.']

    # ---- conversions, including the edge cases: NaN, infinities, overflow, negatives to uint8
    floats = torch.tensor([3e9, -3e9, math.nan, math.inf, -math.inf, 300.0, -1.0, -1.7, 2.9, 255.5, 256.0,
                           1e20, -0.0, 0.5, -128.5, 127.9, 2147483520.0, -2147483648.0], dtype=torch.float32)
    for to in DTYPES:
        lines.append(f'cast float32 {NAMES[to]} | {text(floats)} | {text(floats.to(to))}')
    longs = torch.tensor([-1, 300, 2**40 + 7, -129, 128, 2**31, -(2**63), 2**63 - 1, 16777217, 0], dtype=torch.int64)
    for to in DTYPES:
        lines.append(f'cast int64 {NAMES[to]} | {text(longs)} | {text(longs.to(to))}')
    for frm in (torch.int32, torch.int8, torch.uint8, torch.bool):
        src = tensor(VALUES[frm], frm)
        for to in DTYPES:
            lines.append(f'cast {NAMES[frm]} {NAMES[to]} | {text(src)} | {text(src.to(to))}')

    # ---- promotion
    for a in DTYPES:
        for b in DTYPES:
            r = torch.promote_types(a, b)
            if r in NAMES:
                lines.append(f'promote {NAMES[a]} {NAMES[b]} | {NAMES[r]}')

    # ---- binary operations over every pair of dtypes
    ops = {'add': torch.add, 'sub': torch.sub, 'mul': torch.mul, 'div': torch.div, 'maximum': torch.maximum,
           'minimum': torch.minimum, 'eq': torch.eq, 'ne': torch.ne, 'lt': torch.lt, 'le': torch.le,
           'gt': torch.gt, 'ge': torch.ge}
    for name, fn in ops.items():
        for a in DTYPES:
            for b in DTYPES:
                if torch.promote_types(a, b) not in NAMES:
                    continue  # int8 with uint8: PyTorch's int16
                x, y = tensor(VALUES[a], a), tensor(VALUES[b], b)
                try:
                    r = fn(x, y)
                except RuntimeError:
                    continue  # bool - bool
                lines.append(f'binary {name} {NAMES[a]} {NAMES[b]} | {text(x)} | {text(y)} | {NAMES[r.dtype]} | {text(r)}')

    # ---- unary operations
    unary = {'neg': torch.neg, 'abs': torch.abs, 'sign': torch.sign, 'square': torch.square, 'relu': torch.relu,
             'exp': torch.exp, 'sqrt': torch.sqrt, 'sigmoid': torch.sigmoid, 'tanh': torch.tanh,
             'reciprocal': torch.reciprocal}
    small = {torch.int64: [-3, 0, 7, 2**32], torch.int32: [-3, 0, 7, 46341], torch.int8: [-3, 0, 7, 12],
             torch.uint8: [3, 0, 7, 16], torch.bool: [True, False, True, False]}
    for name, fn in unary.items():
        for dt, vals in small.items():
            x = tensor(vals, dt)
            try:
                r = fn(x)
            except RuntimeError:
                continue  # neg, abs, relu of bool
            lines.append(f'unary {name} {NAMES[dt]} | {text(x)} | {NAMES[r.dtype]} | {text(r)}')

    # ---- reductions
    reductions = {'sum': torch.sum, 'max': torch.amax, 'min': torch.amin, 'argmax': torch.argmax,
                  'argmin': torch.argmin}
    for name, fn in reductions.items():
        for dt in DTYPES:
            x = tensor(VALUES[dt], dt)
            try:
                r = fn(x)
            except RuntimeError:
                continue  # argmax of bool
            lines.append(f'reduce {name} {NAMES[dt]} | {text(x)} | {NAMES[r.dtype]} | {text(r)}')

    # ---- printing
    shown = [
        torch.tensor([1, 2, 3]),
        torch.tensor([[1, -20], [300, 4]]),
        torch.tensor([[1, -20], [300, 4]], dtype=torch.int32),
        torch.tensor([True, False, True]),
        torch.tensor([[True], [False]]),
        torch.tensor([0, 128, 255], dtype=torch.uint8),
        torch.tensor([-128, 0, 127], dtype=torch.int8),
        torch.tensor(5),
        torch.tensor(-5, dtype=torch.int32),
        torch.tensor(True),
        torch.tensor([], dtype=torch.int64),
        torch.tensor([], dtype=torch.bool),
        torch.zeros(0, 3, dtype=torch.int32),
        torch.tensor([2**62, -1]),
        torch.arange(2000).reshape(2, 1000),
        torch.arange(1200, dtype=torch.int32) - 600,
        torch.tensor([True, False] * 600),
        torch.arange(40).reshape(2, 20) * 1000,
    ]
    for t in shown:
        shape = ','.join(str(d) for d in t.shape) if t.dim() > 0 else '-'
        lines.append(f'print {NAMES[t.dtype]} {shape} | {text(t)} | {repr(t)}'.replace('\n', '\\n'))

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('wrote', os.path.normpath(OUT), len(lines), 'lines')


if __name__ == '__main__':
    main()
