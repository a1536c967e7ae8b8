"""PyTorch goldens for the layers of dev.nabla.nn (read by LayerGoldenTest).

One file per case, goldens/layer_<case>.txt:
    meta kind <layer class>, meta <constructor option> <value> ..., meta mode train|eval,
    meta state_keys <state dict keys in PyTorch's order>,
    tensor input, tensor state.<key> (before the forward pass), tensor output,
    tensor proj (random output-gradient projection: loss = sum(output * proj)),
    tensor grad.input, tensor grad.<parameter>, tensor after.<buffer> (after the forward pass).
The index goldens/layers_index.txt lists the cases (meta cases ...).
"""
import torch
import torch.nn as nn
from golden_io import Golden


def write(out_dir, name, kind, module, x, mode='train', opts=None, input_grad=True, index=None):
    g = Golden(out_dir, 'layer_' + name)
    g.meta('kind', kind)
    for k, v in (opts or {}).items():
        g.meta(k, ' '.join(str(e) for e in v) if isinstance(v, (tuple, list)) else v)
    g.meta('mode', mode)
    module.train(mode == 'train')
    state = module.state_dict()
    if state:
        g.meta('state_keys', ' '.join(state.keys()))
    for k, v in state.items():
        g.tensor('state.' + k, v.clone())
    x = x.clone().requires_grad_(input_grad)
    g.tensor('input', x)
    y = module(x)
    g.tensor('output', y)
    proj = torch.randn_like(y)
    g.tensor('proj', proj)
    (y * proj).sum().backward()
    if input_grad:
        g.tensor('grad.input', x.grad)
    for k, p in module.named_parameters():
        g.tensor('grad.' + k, p.grad if p.grad is not None else torch.zeros_like(p))
    for k, b in module.named_buffers():
        g.tensor('after.' + k, b)
    g.save()
    index.append(name)


def randomize(module):
    """Random parameters and running statistics, so goldens test more than the default init."""
    with torch.no_grad():
        for k, p in module.named_parameters():
            # Scales near 1 (norm weights), shifts near 0 (biases).
            p.copy_(torch.randn_like(p) * 0.5 + (1.0 if k.endswith('weight') else 0.0))
        for k, b in module.named_buffers():
            if k.endswith('running_mean'):
                b.copy_(torch.randn_like(b) * 0.3)
            elif k.endswith('running_var'):
                b.copy_(torch.rand_like(b) + 0.5)
            elif k.endswith('num_batches_tracked'):
                b.fill_(3)
    return module


def generate(out_dir):
    idx = []
    r = torch.randn

    # ---- Conv2d: (name, in, out, kernel, stride, padding, dilation, groups, bias, input shape)
    convs = [
        ('conv_basic', 3, 4, (3, 3), (1, 1), (0, 0), (1, 1), 1, True, (2, 3, 6, 6)),
        ('conv_stride2_pad1', 2, 3, (3, 3), (2, 2), (1, 1), (1, 1), 1, True, (2, 2, 7, 7)),
        ('conv_dilation2', 2, 3, (3, 3), (1, 1), (2, 2), (2, 2), 1, True, (1, 2, 7, 6)),
        ('conv_groups_rect', 4, 6, (3, 2), (2, 1), (1, 0), (1, 1), 2, True, (2, 4, 6, 5)),
        ('conv_depthwise_nobias', 3, 3, (3, 3), (1, 1), (1, 1), (1, 1), 3, False, (2, 3, 5, 5)),
        ('conv_pointwise', 4, 3, (1, 1), (1, 1), (0, 0), (1, 1), 1, True, (2, 4, 3, 3)),
        ('conv_stride_dilation_groups', 4, 4, (2, 3), (2, 3), (1, 2), (2, 1), 4, True, (1, 4, 7, 8)),
    ]
    for name, cin, cout, k, s, p, d, grp, bias, shape in convs:
        m = nn.Conv2d(cin, cout, k, stride=s, padding=p, dilation=d, groups=grp, bias=bias)
        write(out_dir, name, 'Conv2d', m, r(*shape), opts={
            'in': cin, 'out': cout, 'kernel': k, 'stride': s, 'padding': p, 'dilation': d, 'groups': grp,
            'bias': str(bias).lower()}, index=idx)

    # ---- pools
    pools = [
        ('maxpool_k2', 'MaxPool2d', (2, 2), (2, 2), (0, 0), (1, 1), False, True, (2, 3, 6, 6)),
        ('maxpool_k3_s2_p1_ceil', 'MaxPool2d', (3, 3), (2, 2), (1, 1), (1, 1), True, True, (1, 2, 7, 7)),
        ('maxpool_k3_s2_ceil', 'MaxPool2d', (3, 3), (2, 2), (0, 0), (1, 1), True, True, (2, 2, 6, 6)),
        ('maxpool_rect_dilation', 'MaxPool2d', (3, 2), (1, 2), (1, 1), (2, 1), False, True, (1, 2, 7, 7)),
        ('avgpool_k2', 'AvgPool2d', (2, 2), (2, 2), (0, 0), (1, 1), False, True, (2, 3, 6, 6)),
        ('avgpool_k3_s2_p1_ceil_incl', 'AvgPool2d', (3, 3), (2, 2), (1, 1), (1, 1), True, True, (1, 2, 7, 7)),
        ('avgpool_k3_s2_p1_ceil_excl', 'AvgPool2d', (3, 3), (2, 2), (1, 1), (1, 1), True, False, (1, 2, 6, 7)),
        ('avgpool_rect', 'AvgPool2d', (3, 2), (1, 2), (1, 1), (1, 1), False, True, (2, 1, 5, 6)),
    ]
    for name, kind, k, s, p, d, ceil, incl, shape in pools:
        if kind == 'MaxPool2d':
            m = nn.MaxPool2d(k, s, p, dilation=d, ceil_mode=ceil)
        else:
            m = nn.AvgPool2d(k, s, p, ceil_mode=ceil, count_include_pad=incl)
        write(out_dir, name, kind, m, r(*shape), opts={
            'kernel': k, 'stride': s, 'padding': p, 'dilation': d, 'ceil': str(ceil).lower(),
            'count_include_pad': str(incl).lower()}, index=idx)
    for name, out, shape in [('adaptive_1x1', (1, 1), (2, 3, 5, 5)), ('adaptive_3x2', (3, 2), (1, 2, 7, 5)),
                             ('adaptive_up_4x4', (4, 4), (1, 2, 3, 5))]:
        write(out_dir, name, 'AdaptiveAvgPool2d', nn.AdaptiveAvgPool2d(out), r(*shape), opts={'out': out}, index=idx)

    # ---- flatten
    for name, se, shape in [('flatten_default', (1, -1), (2, 3, 2, 2)), ('flatten_all', (0, -1), (2, 3, 2)),
                            ('flatten_middle', (1, 2), (2, 3, 2, 2))]:
        write(out_dir, name, 'Flatten', nn.Flatten(*se), r(*shape), opts={'dims': se}, index=idx)

    # ---- batch norm
    bns = [
        ('bn2d_train', nn.BatchNorm2d, 3, 1e-5, 0.1, True, 'train', (4, 3, 3, 3), 0.0),
        ('bn2d_eval', nn.BatchNorm2d, 3, 1e-5, 0.1, True, 'eval', (2, 3, 3, 2), 0.0),
        ('bn2d_train_noaffine', nn.BatchNorm2d, 2, 1e-3, 0.3, False, 'train', (3, 2, 2, 3), 0.0),
        ('bn2d_train_offset', nn.BatchNorm2d, 2, 1e-5, 0.1, True, 'train', (2, 2, 4, 4), 50.0),
        ('bn1d_train_2d', nn.BatchNorm1d, 5, 1e-5, 0.1, True, 'train', (8, 5), 0.0),
        ('bn1d_train_3d', nn.BatchNorm1d, 3, 1e-5, 0.2, True, 'train', (4, 3, 6), 0.0),
        ('bn1d_eval', nn.BatchNorm1d, 4, 1e-5, 0.1, True, 'eval', (6, 4), 0.0),
    ]
    for name, cls, c, eps, mom, affine, mode, shape, offset in bns:
        m = randomize(cls(c, eps=eps, momentum=mom, affine=affine))
        write(out_dir, name, cls.__name__, m, r(*shape) * 2 + offset, mode=mode, opts={
            'features': c, 'eps': eps, 'momentum': mom, 'affine': str(affine).lower()}, index=idx)

    # ---- layer norm
    for name, ns, eps, affine, shape in [('ln_last', (5,), 1e-5, True, (3, 4, 5)),
                                         ('ln_last2', (4, 5), 1e-5, True, (2, 4, 5)),
                                         ('ln_noaffine', (6,), 1e-3, False, (4, 6))]:
        m = randomize(nn.LayerNorm(ns, eps=eps, elementwise_affine=affine))
        write(out_dir, name, 'LayerNorm', m, r(*shape) + 1, opts={
            'shape': ns, 'eps': eps, 'affine': str(affine).lower()}, index=idx)

    # ---- embedding (int64 indices; no input gradient)
    ids = torch.tensor([[1, 4, 2, 1], [9, 2, 0, 4]])
    for name, pad in [('embedding', None), ('embedding_padding', 2)]:
        m = nn.Embedding(10, 3, padding_idx=pad)
        opts = {'count': 10, 'dim': 3}
        if pad is not None:
            opts['padding'] = pad
        gld = Golden(out_dir, 'layer_' + name)
        gld.meta('kind', 'Embedding')
        for k, v in opts.items():
            gld.meta(k, v)
        gld.meta('mode', 'train')
        gld.meta('state_keys', 'weight')
        gld.tensor('state.weight', m.weight.detach().clone())
        gld.tensor('input', ids)
        y = m(ids)
        gld.tensor('output', y)
        proj = torch.randn_like(y)
        gld.tensor('proj', proj)
        (y * proj).sum().backward()
        gld.tensor('grad.weight', m.weight.grad)
        gld.save()
        idx.append(name)

    # ---- activations
    acts = [('relu', 'ReLU', nn.ReLU(), {}), ('leaky_relu', 'LeakyReLU', nn.LeakyReLU(0.1), {'slope': 0.1}),
            ('leaky_relu_default', 'LeakyReLU', nn.LeakyReLU(), {'slope': 0.01}),
            ('gelu', 'GELU', nn.GELU(), {}), ('tanh', 'Tanh', nn.Tanh(), {}), ('sigmoid', 'Sigmoid', nn.Sigmoid(), {}),
            ('softmax_dim1', 'Softmax', nn.Softmax(dim=1), {'dim': 1}),
            ('softmax_last', 'Softmax', nn.Softmax(dim=-1), {'dim': -1})]
    for name, kind, m, opts in acts:
        write(out_dir, name, kind, m, r(2, 3, 4) * 2, opts=opts, index=idx)

    Golden(out_dir, 'layers_index').meta('cases', ' '.join(idx)).save()
