#!/usr/bin/env python3
"""Checks Nabla's safetensors files with PyTorch and writes PyTorch's for Nabla to read.

Usage: /usr/bin/python3 safetensors_interop.py <dir>   (run by dev.nabla.export.PyTorchInteropTest)
Exit code 77 means torch is not importable (the test is then skipped).

The `safetensors` pip package is not installed here, so the layout is read and written with
struct, json and torch.frombuffer, applying the checks of the reference implementation (header
length, offsets tiling the data buffer exactly, sizes matching dtype and shape).

Reads   nabla_model.safetensors   Sequential(Linear(4, 3), ReLU, Linear(3, 2)) saved by Nabla
        nabla_values.safetensors  known values (ramp, special floats, scalar, empty)
        nabla_ints.safetensors    integer and bool tensors with each type's extreme values
        nabla_bn.safetensors      Sequential(Linear(4, 3), BatchNorm1d(3)) after two training steps
Writes  torch_out.safetensors      PyTorch's output of Nabla's model on the probe input
        torch_bn_out.safetensors   PyTorch's eval-mode output of Nabla's BatchNorm model
        python_model.safetensors  a PyTorch-initialised model of the same shape
        python_out.safetensors    its output on the probe input
        python_dtypes.safetensors F16/BF16/F64/I64/I32 tensors beside their float32 conversions
        python_ints.safetensors   PyTorch's integer and bool tensors (as nabla_ints, plus I16)
        python_bn.safetensors     a PyTorch BatchNorm model after three training steps
        python_bn_out.safetensors its eval-mode output on the probe input
"""
import json
import math
import os
import struct
import sys

try:
    import torch
except ImportError:
    print('torch is not importable')
    sys.exit(77)  # the Java test skips on this code

DTYPES = {'F64': torch.float64, 'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16,
          'I64': torch.int64, 'I32': torch.int32, 'I16': torch.int16, 'I8': torch.int8, 'U8': torch.uint8,
          'BOOL': torch.bool}
NAMES = {v: k for k, v in DTYPES.items()}
SIZES = {'F64': 8, 'F32': 4, 'F16': 2, 'BF16': 2, 'I64': 8, 'I32': 4, 'I16': 2, 'I8': 1, 'U8': 1, 'BOOL': 1}


def load(path):
    with open(path, 'rb') as f:
        data = f.read()
    (n,) = struct.unpack('<Q', data[:8])
    assert 2 <= n <= 100_000_000 and 8 + n <= len(data), f'{path}: bad header length {n}'
    header = json.loads(data[8:8 + n].decode('utf-8'))
    metadata = header.pop('__metadata__', {})
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())
    buf = data[8 + n:]
    pos = 0
    for name, info in sorted(header.items(), key=lambda kv: tuple(kv[1]['data_offsets'])):
        begin, end = info['data_offsets']
        assert begin == pos, f'{path}: {name} starts at {begin}, expected {pos}'
        numel = math.prod(info['shape'])
        assert end - begin == numel * SIZES[info['dtype']], f'{path}: {name} size mismatch'
        pos = end
    assert pos == len(buf), f'{path}: offsets cover {pos} of {len(buf)} bytes'
    tensors = {}
    for name, info in header.items():
        begin, end = info['data_offsets']
        dtype = DTYPES[info['dtype']]
        if end == begin:
            tensors[name] = torch.empty(info['shape'], dtype=dtype)
        else:
            tensors[name] = torch.frombuffer(bytearray(buf[begin:end]), dtype=dtype).reshape(info['shape'])
    return tensors, metadata, n


def to_bytes(t):
    t = t.detach().contiguous()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    return t.numpy().tobytes()


def save(path, tensors, metadata=None):
    """Like safetensors.torch.save_file: sorted by alignment then name, header space-padded to 8."""
    order = sorted(tensors, key=lambda k: (-SIZES[NAMES[tensors[k].dtype]], k))
    header = {'__metadata__': metadata} if metadata else {}
    blobs, pos = [], 0
    for name in order:
        b = to_bytes(tensors[name])
        header[name] = {'dtype': NAMES[tensors[name].dtype], 'shape': list(tensors[name].shape),
                        'data_offsets': [pos, pos + len(b)]}
        blobs.append(b)
        pos += len(b)
    h = json.dumps(header, separators=(',', ':')).encode('utf-8')
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))


def model():
    return torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))


def bn_model():
    return torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))


def int_tensors():
    """The values both sides write and expect, one tensor per dtype."""
    return {
        'i64': torch.tensor([-(2**63), -1, 0, 2**63 - 1, 2**53 + 1], dtype=torch.int64),
        'i32': torch.tensor([-(2**31), -1, 0, 2**31 - 1], dtype=torch.int32),
        'i8': torch.tensor([[-128, -1], [0, 127]], dtype=torch.int8),
        'u8': torch.tensor([0, 1, 128, 255], dtype=torch.uint8),
        'mask': torch.tensor([True, False, True]),
        'count': torch.tensor(7, dtype=torch.int64),
        'empty': torch.zeros(0, 3, dtype=torch.int32),
    }


def probe():
    return (torch.arange(8, dtype=torch.float32).reshape(2, 4) - 3.5) / 4


def main(d):
    # 1. PyTorch loads Nabla's model strictly and runs it.
    weights, meta, n = load(os.path.join(d, 'nabla_model.safetensors'))
    assert n % 8 == 0, 'Nabla pads its header to a multiple of 8'
    assert meta.get('format') == 'pt', meta
    assert all(t.dtype == torch.float32 for t in weights.values())
    m = model()
    m.load_state_dict(weights, strict=True)
    with torch.no_grad():
        save(os.path.join(d, 'torch_out.safetensors'), {'y': m(probe())})

    # 2. Known values come through bit for bit.
    values, _, _ = load(os.path.join(d, 'nabla_values.safetensors'))
    ramp = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4) * 0.5 - 3
    assert torch.equal(values['ramp'], ramp), values['ramp']
    special = torch.tensor([0x7fc00000, 0x7f800000, -0x800000, -0x80000000, 1, 0x7f7fffff, 0x7fc01234],
                           dtype=torch.int64).to(torch.int32)
    assert torch.equal(values['special'].view(torch.int32), special), values['special'].view(torch.int32)
    assert values['scalar'].shape == () and values['scalar'].item() == 7.5
    assert values['empty'].shape == (0, 5)
    assert values['unicode \u00e9\u6f22 "q"'].tolist() == [1.0]

    # 2b. Integer and bool tensors keep their dtypes and exact values.
    got, _, _ = load(os.path.join(d, 'nabla_ints.safetensors'))
    for name, want in int_tensors().items():
        assert got[name].dtype == want.dtype, (name, got[name].dtype, want.dtype)
        assert got[name].shape == want.shape and torch.equal(got[name], want), (name, got[name], want)

    # 2c. A BatchNorm model: num_batches_tracked is int64, as PyTorch writes it, and the model runs.
    bn_weights, _, _ = load(os.path.join(d, 'nabla_bn.safetensors'))
    count = bn_weights['1.num_batches_tracked']
    assert count.dtype == torch.int64 and count.shape == () and count.item() == 2, count
    bn = bn_model()
    bn.load_state_dict(bn_weights, strict=True)
    assert all(bn.state_dict()[k].dtype == v.dtype for k, v in bn_weights.items())
    bn.eval()
    with torch.no_grad():
        save(os.path.join(d, 'torch_bn_out.safetensors'), {'y': bn(probe())})

    # 3. Files written the PyTorch way, for Nabla to load.
    torch.manual_seed(5)
    p = model()
    save(os.path.join(d, 'python_model.safetensors'), dict(p.state_dict()), {'format': 'pt'})
    with torch.no_grad():
        save(os.path.join(d, 'python_out.safetensors'), {'y': p(probe())})
    g = torch.Generator().manual_seed(7)
    x = torch.randn(3, 5, generator=g) * 10
    dtypes = {}
    for dt in (torch.float16, torch.bfloat16, torch.float64):
        dtypes['x.' + NAMES[dt]] = x.to(dt)
        dtypes['x.' + NAMES[dt] + '.as_f32'] = x.to(dt).to(torch.float32)
    ints = torch.tensor([-3, 0, 7, 1 << 20])
    for dt in (torch.int64, torch.int32):
        dtypes['i.' + NAMES[dt]] = ints.to(dt)
        dtypes['i.' + NAMES[dt] + '.as_f32'] = ints.to(torch.float32)
    save(os.path.join(d, 'python_dtypes.safetensors'), dtypes)
    theirs = int_tensors()
    theirs['i16'] = torch.tensor([-(2**15), -1, 2**15 - 1], dtype=torch.int16)
    save(os.path.join(d, 'python_ints.safetensors'), theirs)
    torch.manual_seed(6)
    pb = bn_model()
    with torch.no_grad():
        for _ in range(3):
            pb(torch.randn(5, 4) * 2 + 1)  # training mode: the running statistics move
    save(os.path.join(d, 'python_bn.safetensors'), dict(pb.state_dict()), {'format': 'pt'})
    pb.eval()
    with torch.no_grad():
        save(os.path.join(d, 'python_bn_out.safetensors'), {'y': pb(probe())})
    print('interop ok')


if __name__ == '__main__':
    main(sys.argv[1])
