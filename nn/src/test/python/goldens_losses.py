"""PyTorch goldens for the losses of dev.nabla.nn (read by LossGoldenTest).

One file per case, goldens/loss_<case>.txt:
    meta kind <loss class>, meta reduction mean|sum|none|batchmean, meta <option> <value> ...,
    tensor input, tensor target, tensor weight / pos_weight (when used), tensor output,
    tensor proj (output-gradient projection: loss = sum(output * proj)),
    tensor grad.input, tensor grad.target (when the target takes a gradient).
The index goldens/losses_index.txt lists the cases (meta cases ...).
"""
import torch
import torch.nn as nn
from golden_io import Golden


def write(out_dir, name, kind, loss_fn, x, t, opts, index, target_grad=False, tensors=None, target_long=False):
    g = Golden(out_dir, 'loss_' + name)
    g.meta('kind', kind)
    for k, v in opts.items():
        g.meta(k, v)
    for k, v in (tensors or {}).items():
        g.tensor(k, v)
    x = x.clone().requires_grad_(True)
    t = t.clone()
    if target_grad:
        t.requires_grad_(True)
    if target_long:
        t = t.long()  # class indices are int64, as cross_entropy and nll_loss require
    g.tensor('input', x)
    g.tensor('target', t)
    y = loss_fn(x, t)
    g.tensor('output', y)
    proj = torch.randn_like(y)
    g.tensor('proj', proj)
    (y * proj).sum().backward()
    g.tensor('grad.input', x.grad)
    if target_grad:
        g.tensor('grad.target', t.grad)
    g.save()
    index.append(name)


def generate(out_dir):
    idx = []
    r = torch.randn

    # ---- cross entropy
    t5 = torch.tensor([1., 0., 3., 3., 2.])
    t5i = torch.tensor([1., -100., 3., 3., 2.])
    t5j = torch.tensor([1., 2., 3., 2., 0.])      # ignore index 2
    w4 = torch.tensor([0.5, 2.0, 1.0, 1.5])
    ce = [
        ('ce_mean', {}, None, t5, r(5, 4)),
        ('ce_sum', {'reduction': 'sum'}, None, t5, r(5, 4)),
        ('ce_none', {'reduction': 'none'}, None, t5, r(5, 4)),
        ('ce_weighted', {}, w4, t5, r(5, 4)),
        ('ce_smoothing', {'label_smoothing': 0.1}, None, t5, r(5, 4)),
        ('ce_weighted_smoothing', {'label_smoothing': 0.2}, w4, t5, r(5, 4)),
        ('ce_ignore_default', {}, w4, t5i, r(5, 4)),
        ('ce_ignore_weighted_smoothing', {'ignore_index': 2, 'label_smoothing': 0.15}, w4, t5j, r(5, 4)),
        ('ce_ignore_none_smoothing', {'ignore_index': 2, 'label_smoothing': 0.3, 'reduction': 'none'}, None, t5j,
         r(5, 4)),
        ('ce_spatial', {}, torch.tensor([1.0, 0.5, 2.0]), torch.tensor([[[0., 2.], [1., 1.]], [[2., 0.], [0., 1.]]]),
         r(2, 3, 2, 2)),
        ('ce_large_logits', {}, None, t5, r(5, 4) * 40),
    ]
    for name, kw, w, t, x in ce:
        opts = {'reduction': kw.get('reduction', 'mean'), 'ignore_index': kw.get('ignore_index', -100),
                'label_smoothing': kw.get('label_smoothing', 0.0)}
        fn = nn.CrossEntropyLoss(weight=w, **kw)
        write(out_dir, name, 'CrossEntropyLoss', fn, x, t, opts, idx, tensors={'weight': w} if w is not None else None,
              target_long=True)

    # ---- nll
    for name, kw, w, t, x in [('nll_mean', {}, None, t5, r(5, 4).log_softmax(1)),
                              ('nll_weighted_ignore', {'ignore_index': 2}, w4, t5j, r(5, 4).log_softmax(1)),
                              ('nll_none', {'reduction': 'none'}, w4, t5, r(5, 4).log_softmax(1)),
                              ('nll_spatial_sum', {'reduction': 'sum'}, None,
                               torch.tensor([[0., 2., 1.], [2., 2., 0.]]), r(2, 3, 3))]:
        opts = {'reduction': kw.get('reduction', 'mean'), 'ignore_index': kw.get('ignore_index', -100)}
        write(out_dir, name, 'NLLLoss', nn.NLLLoss(weight=w, **kw), x, t, opts, idx,
              tensors={'weight': w} if w is not None else None, target_long=True)

    # ---- mse (the target takes a gradient too)
    for red in ('mean', 'sum', 'none'):
        write(out_dir, 'mse_' + red, 'MSELoss', nn.MSELoss(reduction=red), r(3, 4), r(3, 4), {'reduction': red}, idx,
              target_grad=True)

    # ---- bce with logits
    pw = torch.tensor([0.5, 2.0, 3.0, 1.0])
    wb = torch.tensor([[1.0, 0.5, 2.0, 1.5]])
    for name, red, w, p in [('bce_mean', 'mean', None, None), ('bce_sum_posweight', 'sum', None, pw),
                            ('bce_none_weight_posweight', 'none', wb, pw), ('bce_mean_weight', 'mean', wb, None)]:
        tensors = {}
        if w is not None:
            tensors['weight'] = w
        if p is not None:
            tensors['pos_weight'] = p
        fn = nn.BCEWithLogitsLoss(weight=w, pos_weight=p, reduction=red)
        write(out_dir, name, 'BCEWithLogitsLoss', fn, r(3, 4) * 3, torch.rand(3, 4), {'reduction': red}, idx,
              target_grad=True, tensors=tensors)

    # ---- kl divergence (targets strictly positive so the target gradient is finite)
    for red in ('batchmean', 'sum', 'mean', 'none'):
        x = r(3, 5).log_softmax(1)
        t = r(3, 5).softmax(1)
        write(out_dir, 'kl_' + red, 'KLDivLoss', nn.KLDivLoss(reduction=red), x, t,
              {'reduction': red, 'log_target': 'false'}, idx, target_grad=True)
    write(out_dir, 'kl_log_target', 'KLDivLoss', nn.KLDivLoss(reduction='batchmean', log_target=True),
          r(3, 5).log_softmax(1), r(3, 5).log_softmax(1), {'reduction': 'batchmean', 'log_target': 'true'}, idx,
          target_grad=True)

    # ---- cross entropy with class-probability targets (float, the input's shape; the target takes a
    # gradient too). Drawn last so the cases above keep their random numbers.
    probs = [
        ('ce_probs_mean', {}, None, r(5, 4)),
        ('ce_probs_weighted_mean', {}, w4, r(5, 4)),
        ('ce_probs_weighted_smoothing_sum', {'reduction': 'sum', 'label_smoothing': 0.2}, w4, r(5, 4)),
        ('ce_probs_spatial_none', {'reduction': 'none'}, torch.tensor([1.0, 0.5, 2.0]), r(2, 3, 2, 2)),
    ]
    for name, kw, w, x in probs:
        t = r(*x.shape).softmax(1)
        opts = {'reduction': kw.get('reduction', 'mean'), 'ignore_index': -100,
                'label_smoothing': kw.get('label_smoothing', 0.0)}
        fn = nn.CrossEntropyLoss(weight=w, **kw)
        write(out_dir, name, 'CrossEntropyLoss', fn, x, t, opts, idx, tensors={'weight': w} if w is not None else None,
              target_grad=True)

    Golden(out_dir, 'losses_index').meta('cases', ' '.join(idx)).save()
