#!/usr/bin/env python3
"""PyTorch goldens of module quantize (quantize/src/test/resources/goldens), read by its tests.

Run with Debian's PyTorch 1.13:  /usr/bin/python3 quantize/src/test/python/make_goldens.py
Writes the file format of nn/src/test/python/golden_io.py (nn's Goldens reads it). Every case
fixes its scales and zero points, so Nabla's layers can be run with the same ones:

  quant_observer_<case>   observer qparams (MinMax, MovingAverage, PerChannel, Histogram) on the
                          same batches
  quant_layer_<case>      quantized Linear, Conv2d (+ReLU), add (+relu), pooling, quantize, dynamic
                          linear and fake quantization: inputs, int8 weights with their per-channel
                          scales, bias, output scale and zero point, PyTorch's output
  quant_fold_conv_bn      a Conv2d + BatchNorm2d in eval mode and the weights torch's
                          fuse_conv_bn_eval folds them into
  quant_index             the case names

The quantized engine is oneDNN (this build has no FBGEMM). Activations are kept to 0..127 so
that no engine's 16-bit pair sums can saturate (PyTorch's x86 default, reduce_range).
"""
import os, sys
import torch
import torch.nn as nn
import torch.ao.nn.quantized as nnq
import torch.nn.intrinsic.quantized as nniq
from torch.ao.quantization import observer as obs

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', '..', '..', 'nn', 'src', 'test', 'python'))
from golden_io import Golden  # noqa: E402

OUT = os.path.join(HERE, '..', 'resources', 'goldens')
INDEX = {'observer': [], 'layer': []}


def observer_case(name, make, batches, config):
    o = make()
    for b in batches:
        o(b)
    scale, zero = o.calculate_qparams()
    g = Golden(OUT, 'quant_observer_' + name)
    for k, v in config.items():
        g.meta(k, v)
    g.meta('batches', len(batches))
    for i, b in enumerate(batches):
        g.tensor('batch%d' % i, b)
    g.tensor('scale', scale.to(torch.float32))
    g.tensor('zero_point', zero.to(torch.int64))
    g.save()
    INDEX['observer'].append(name)


def observers():
    r = torch.randn
    normal = [r(4, 50) * 1.5 + 0.3, r(4, 50) * 0.7 - 0.2]
    relu = [torch.relu(r(8, 30)) * 3, torch.relu(r(8, 30))]
    observer_case('minmax_affine', lambda: obs.MinMaxObserver(), normal,
                  {'kind': 'minmax', 'dtype': 'uint8', 'qscheme': 'affine', 'reduce_range': 'false'})
    observer_case('minmax_affine_reduced', lambda: obs.MinMaxObserver(reduce_range=True), relu,
                  {'kind': 'minmax', 'dtype': 'uint8', 'qscheme': 'affine', 'reduce_range': 'true'})
    observer_case('minmax_symmetric_int8',
                  lambda: obs.MinMaxObserver(dtype=torch.qint8, qscheme=torch.per_tensor_symmetric), normal,
                  {'kind': 'minmax', 'dtype': 'int8', 'qscheme': 'symmetric', 'reduce_range': 'false'})
    observer_case('minmax_symmetric_uint8',
                  lambda: obs.MinMaxObserver(qscheme=torch.per_tensor_symmetric), normal,
                  {'kind': 'minmax', 'dtype': 'uint8', 'qscheme': 'symmetric', 'reduce_range': 'false'})
    observer_case('moving_average', lambda: obs.MovingAverageMinMaxObserver(averaging_constant=0.2),
                  [r(3, 40), r(3, 40) * 2, r(3, 40) * 0.5 + 1],
                  {'kind': 'moving_average', 'dtype': 'uint8', 'qscheme': 'affine', 'reduce_range': 'false',
                   'averaging_constant': 0.2})
    w = [r(6, 3, 3, 3) * torch.linspace(0.01, 2, 6).reshape(6, 1, 1, 1)]
    observer_case('per_channel_symmetric',
                  lambda: obs.PerChannelMinMaxObserver(dtype=torch.qint8, qscheme=torch.per_channel_symmetric), w,
                  {'kind': 'per_channel', 'dtype': 'int8', 'qscheme': 'symmetric', 'reduce_range': 'false'})
    observer_case('per_channel_affine',
                  lambda: obs.PerChannelMinMaxObserver(dtype=torch.quint8, qscheme=torch.per_channel_affine),
                  [r(5, 20) + torch.arange(5.).reshape(5, 1), r(5, 20)],
                  {'kind': 'per_channel', 'dtype': 'uint8', 'qscheme': 'affine', 'reduce_range': 'false'})
    # HistogramObserver 1.13 passes int(min), int(max) to histc; with whole-number extremes (and one
    # batch, so no re-binning) that truncation changes nothing and Nabla's histogram is PyTorch's.
    for name, x in [('histogram_normal', torch.cat([r(2000) * 1.2, torch.tensor([-6.0, 7.0])])),
                    ('histogram_relu', torch.cat([torch.relu(r(3000)) * 2, torch.tensor([0.0, 9.0])])),
                    ('histogram_outliers', torch.cat([r(5000) * 0.5, torch.tensor([-20.0, 40.0])]))]:
        observer_case(name, lambda: obs.HistogramObserver(), [x],
                      {'kind': 'histogram', 'dtype': 'uint8', 'qscheme': 'affine', 'reduce_range': 'false'})


def q_input(shape, scale, zero):
    """A quint8 tensor whose integers are random in 0..127."""
    ints = torch.randint(0, 128, shape, dtype=torch.int32)
    x = (ints - zero).to(torch.float32) * scale
    return torch.quantize_per_tensor(x, scale, zero, torch.quint8)


def per_channel_weight(shape, max_scale):
    out = shape[0]
    scales = torch.rand(out, dtype=torch.float64) * max_scale + max_scale / 10
    ints = torch.randint(-128, 128, shape, dtype=torch.int32)
    w = ints.to(torch.float64) * scales.reshape([out] + [1] * (len(shape) - 1))
    return torch.quantize_per_channel(w.to(torch.float32), scales, torch.zeros(out, dtype=torch.int64), 0, torch.qint8)


def layer_case(name, kind, meta, tensors):
    g = Golden(OUT, 'quant_layer_' + name)
    g.meta('kind', kind)
    for k, v in meta.items():
        g.meta(k, ' '.join(str(e) for e in v) if isinstance(v, (tuple, list)) else v)
    for k, v in tensors.items():
        g.tensor(k, v)
    g.save()
    INDEX['layer'].append(name)


def qtensors(prefix, q):
    return {prefix: q.int_repr().to(torch.int64), prefix + '.scale': torch.tensor(q.q_scale(), dtype=torch.float32),
            prefix + '.zero_point': torch.tensor(q.q_zero_point())}


def weights(w):
    return {'weight': w.int_repr().to(torch.int64), 'weight_scale': w.q_per_channel_scales().to(torch.float32)}


def layers():
    # ---- linear (and linear + relu)
    for name, relu, m, k, n in [('linear', False, 5, 33, 17), ('linear_relu', True, 7, 64, 10), ('linear_3d', False, 6, 9, 4)]:
        x = q_input((m, k) if name != 'linear_3d' else (2, 3, k), 0.05, 40)
        w = per_channel_weight((n, k), 0.02)
        b = torch.randn(n)
        layer = (nniq.LinearReLU if relu else nnq.Linear)(k, n)
        layer.set_weight_bias(w, b)
        layer.scale, layer.zero_point = 0.11, 70
        y = layer(x)
        layer_case(name, 'linear', {'relu': str(relu).lower(), 'out_scale': 0.11, 'out_zero_point': 70},
                   {**qtensors('input', x), **weights(w), 'bias': b, **qtensors('output', y)})
    # ---- conv2d: (name, relu, in, out, kernel, stride, padding, dilation, input shape)
    for name, relu, cin, cout, ks, st, pad, dil, shape in [
            ('conv', False, 3, 5, 3, 1, 1, 1, (2, 3, 7, 9)),
            ('conv_relu', True, 4, 8, 3, 1, 0, 1, (1, 4, 8, 8)),
            ('conv_stride2', False, 6, 7, 3, 2, 1, 1, (2, 6, 9, 9)),
            ('conv_5x5_dilated', True, 2, 3, 5, 1, 2, 2, (1, 2, 12, 11)),
            ('conv_1x1', False, 16, 12, 1, 1, 0, 1, (2, 16, 5, 5))]:
        x = q_input(shape, 0.03, 20)
        w = per_channel_weight((cout, cin, ks, ks), 0.01)
        b = torch.randn(cout) * 0.1
        layer = (nniq.ConvReLU2d if relu else nnq.Conv2d)(cin, cout, ks, stride=st, padding=pad, dilation=dil)
        layer.set_weight_bias(w, b)
        layer.scale, layer.zero_point = 0.07, 60
        y = layer(x)
        layer_case(name, 'conv2d', {'relu': str(relu).lower(), 'stride': st, 'padding': pad, 'dilation': dil,
                                    'out_scale': 0.07, 'out_zero_point': 60},
                   {**qtensors('input', x), **weights(w), 'bias': b, **qtensors('output', y)})
    # ---- add, add_relu
    for name, relu in [('add', False), ('add_relu', True)]:
        a = q_input((2, 3, 5, 7), 0.04, 64)
        c = q_input((2, 3, 5, 7), 0.025, 10)
        op = torch.ops.quantized.add_relu if relu else torch.ops.quantized.add
        y = op(a, c, 0.05, 55)
        layer_case(name, 'add', {'relu': str(relu).lower(), 'out_scale': 0.05, 'out_zero_point': 55},
                   {**qtensors('input', a), **qtensors('other', c), **qtensors('output', y)})
    # ---- pooling
    x = q_input((2, 3, 9, 8), 0.05, 30)
    layer_case('max_pool', 'max_pool2d', {'kernel': 3, 'stride': 2, 'padding': 1},
               {**qtensors('input', x), **qtensors('output', nn.functional.max_pool2d(x, 3, 2, 1))})
    layer_case('avg_pool', 'avg_pool2d', {'kernel': 2, 'stride': 2, 'padding': 0},
               {**qtensors('input', x), **qtensors('output', nn.functional.avg_pool2d(x, 2, 2, 0))})
    layer_case('adaptive_avg_pool', 'adaptive_avg_pool2d', {'size': 1},
               {**qtensors('input', x), **qtensors('output', nn.functional.adaptive_avg_pool2d(x, 1))})
    # ---- quantize and dequantize
    f = torch.randn(3, 40) * 2
    q = torch.quantize_per_tensor(f, 0.02, 100, torch.quint8)
    layer_case('quantize', 'quantize', {'scale': 0.02, 'zero_point': 100},
               {'input': f, **qtensors('output', q), 'dequantized': q.dequantize()})
    # ---- dynamic linear, full activation range as Nabla uses it
    x = torch.randn(6, 20) * 2
    w = per_channel_weight((9, 20), 0.01)
    b = torch.randn(9)
    packed = torch.ops.quantized.linear_prepack(w, b)
    y = torch.ops.quantized.linear_dynamic(x, packed, reduce_range=False)
    layer_case('dynamic_linear', 'dynamic_linear', {}, {'input': x, **weights(w), 'bias': b, 'output': y})
    # ---- fake quantization
    x = torch.randn(4, 30) * 3
    layer_case('fake_quant', 'fake_quantize', {'scale': 0.05, 'zero_point': 90, 'qmin': 0, 'qmax': 255},
               {'input': x, 'output': torch.fake_quantize_per_tensor_affine(x, 0.05, 90, 0, 255)})
    w = torch.randn(5, 2, 3, 3)
    scales = torch.tensor([0.01, 0.02, 0.005, 0.03, 0.015])
    layer_case('fake_quant_per_channel', 'fake_quantize_per_channel', {'qmin': -128, 'qmax': 127},
               {'input': w, 'scales': scales, 'output': torch.fake_quantize_per_channel_affine(
                   w, scales, torch.zeros(5, dtype=torch.int32), 0, -128, 127)})


def folding():
    conv = nn.Conv2d(3, 4, 3, padding=1, bias=True)
    bn = nn.BatchNorm2d(4)
    with torch.no_grad():
        bn.weight.copy_(torch.rand(4) + 0.5)
        bn.bias.copy_(torch.randn(4))
        bn.running_mean.copy_(torch.randn(4))
        bn.running_var.copy_(torch.rand(4) + 0.2)
    conv.eval()
    bn.eval()
    fused = torch.nn.utils.fusion.fuse_conv_bn_eval(conv, bn)
    x = torch.randn(2, 3, 6, 6)
    g = Golden(OUT, 'quant_fold_conv_bn')
    for k, v in conv.state_dict().items():
        g.tensor('conv.' + k, v)
    for k, v in bn.state_dict().items():
        g.tensor('bn.' + k, v)
    g.tensor('fused.weight', fused.weight)
    g.tensor('fused.bias', fused.bias)
    g.tensor('input', x)
    g.tensor('output', bn(conv(x)))
    g.save()


def main():
    torch.backends.quantized.engine = 'onednn'
    torch.set_num_threads(1)
    torch.manual_seed(0)
    observers()
    torch.manual_seed(1)
    layers()
    torch.manual_seed(2)
    folding()
    g = Golden(OUT, 'quant_index')
    g.meta('observers', ' '.join(INDEX['observer']))
    g.meta('layers', ' '.join(INDEX['layer']))
    g.save()
    print('wrote', len(INDEX['observer']) + len(INDEX['layer']) + 1, 'golden files to', os.path.normpath(OUT))


if __name__ == '__main__':
    main()
