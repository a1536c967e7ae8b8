#!/usr/bin/env python3
"""PyTorch goldens for module optim (optim/src/test/resources/goldens/optim_*.txt).

Run with Debian's PyTorch:  /usr/bin/python3 optim/src/test/python/goldens_optim.py
Reuses the writer of module nn (nn/src/test/python/golden_io.py); Java reads the files with
dev.nabla.nn.Goldens.

Optimizer trajectories use a fixed problem whose gradient both sides compute with the same
float32 operations, g = c * (p - t) + d * (p - t)^3, so the gradients agree bit for bit while the
parameters agree, and any difference comes from the optimizers alone. Each case records the
parameters after each of 10 steps; options are written as meta lines with Nabla's option names.
"""
import math
import os
import sys
import warnings

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', '..', '..', 'nn', 'src', 'test', 'python'))
from golden_io import Golden  # noqa: E402

OUT = os.path.join(HERE, '..', 'resources', 'goldens')
STEPS = 10


def problem():
    g = torch.Generator().manual_seed(1234)
    return {
        'init.w': torch.randn(2, 3, generator=g),
        'init.b': torch.randn(3, generator=g),
        'target.w': torch.randn(2, 3, generator=g),
        'target.b': torch.randn(3, generator=g),
        'c.w': torch.rand(2, 3, generator=g) + 0.5,
        'c.b': torch.rand(3, generator=g) + 0.5,
        'd.w': torch.rand(2, 3, generator=g) * 0.5,
        'd.b': torch.rand(3, generator=g) * 0.5,
    }


def grad(p, t, c, d):
    diff = p - t
    return c * diff + d * (diff * diff * diff)


def torch_kwargs(opts):
    """Nabla option names -> torch keyword arguments."""
    kw = {}
    for k, v in opts.items():
        if k in ('beta1', 'beta2'):
            continue
        kw[k] = v
    if 'beta1' in opts or 'beta2' in opts:
        kw['betas'] = (opts.get('beta1', 0.9), opts.get('beta2', 0.999))
    return kw


def fmt(opts):
    if not opts:
        return 'none'
    return ' '.join(f"{k}={str(v).lower() if isinstance(v, bool) else repr(float(v))}" for k, v in opts.items())


def run_case(gold, prob, name, cls, lr, opts, group1=None, nograd=(), onecycle=None, clip=None):
    w = prob['init.w'].clone().requires_grad_(True)
    b = prob['init.b'].clone().requires_grad_(True)
    if group1 is None:
        opt = cls([w, b], lr=lr, **torch_kwargs(opts))
    else:
        opt = cls([{'params': [w]}, {'params': [b], **torch_kwargs(group1)}], lr=lr, **torch_kwargs(opts))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=onecycle) if onecycle else None
    gold.meta(f'{name}.lr', repr(float(lr)))
    gold.meta(f'{name}.options', fmt(opts))
    gold.meta(f'{name}.group1', fmt(group1 or {}))
    gold.meta(f'{name}.nograd', ','.join(str(s) for s in nograd) or 'none')
    gold.meta(f'{name}.onecycle', str(onecycle or 0))
    gold.meta(f'{name}.clip', repr(float(clip or 0)))
    for step in range(1, STEPS + 1):
        with torch.no_grad():
            w.grad = grad(w.detach(), prob['target.w'], prob['c.w'], prob['d.w'])
            b.grad = None if step in nograd else grad(b.detach(), prob['target.b'], prob['c.b'], prob['d.b'])
        if clip:
            torch.nn.utils.clip_grad_norm_([w, b], clip)
        opt.step()
        if sched:
            sched.step()
        gold.tensor(f'{name}.w.{step}', w.detach())
        gold.tensor(f'{name}.b.{step}', b.detach())


def optimizer_goldens(out_dir):
    prob = problem()
    sgd = Golden(out_dir, 'optim_sgd')
    adam = Golden(out_dir, 'optim_adam')
    adamw = Golden(out_dir, 'optim_adamw')
    rms = Golden(out_dir, 'optim_rmsprop')
    for gold in (sgd, adam, adamw, rms):
        for k, v in prob.items():
            gold.tensor(k, v)
    S, A, W, R = torch.optim.SGD, torch.optim.Adam, torch.optim.AdamW, torch.optim.RMSprop
    cases = [
        (sgd, 'plain', S, 0.05, {}),
        (sgd, 'momentum', S, 0.05, {'momentum': 0.9}),
        (sgd, 'dampening', S, 0.05, {'momentum': 0.9, 'dampening': 0.5}),
        (sgd, 'nesterov', S, 0.05, {'momentum': 0.9, 'nesterov': True}),
        (sgd, 'weight_decay', S, 0.05, {'weight_decay': 0.1}),
        (sgd, 'all', S, 0.05, {'momentum': 0.8, 'weight_decay': 0.05, 'nesterov': True}),
        (sgd, 'maximize', S, 0.01, {'momentum': 0.5, 'maximize': True}),
        (sgd, 'groups', S, 0.05, {'momentum': 0.9, 'weight_decay': 0.1}, {'lr': 0.01, 'weight_decay': 0.0}, (3, 4)),
        (adam, 'default', A, 0.05, {}),
        (adam, 'weight_decay', A, 0.05, {'weight_decay': 0.1}),
        (adam, 'amsgrad', A, 0.05, {'amsgrad': True}),
        (adam, 'betas', A, 0.05, {'beta1': 0.8, 'beta2': 0.99, 'eps': 1e-6}),
        (adam, 'maximize', A, 0.01, {'maximize': True}),
        (adam, 'groups', A, 0.05, {'weight_decay': 0.1, 'amsgrad': True}, {'lr': 0.01, 'weight_decay': 0.0}, (3, 4)),
        (adamw, 'default', W, 0.05, {}),
        (adamw, 'weight_decay', W, 0.05, {'weight_decay': 0.5}),
        (adamw, 'amsgrad', W, 0.05, {'amsgrad': True, 'weight_decay': 0.1}),
        (adamw, 'groups', W, 0.05, {'weight_decay': 0.1}, {'lr': 0.02, 'weight_decay': 0.0}, (2, 5)),
        (rms, 'default', R, 0.01, {}),
        (rms, 'alpha', R, 0.01, {'alpha': 0.9}),
        (rms, 'momentum', R, 0.01, {'momentum': 0.9}),
        (rms, 'centered', R, 0.01, {'centered': True}),
        (rms, 'all', R, 0.01, {'centered': True, 'momentum': 0.5, 'weight_decay': 0.1, 'eps': 1e-6}),
        (rms, 'maximize', R, 0.005, {'maximize': True}),
        (rms, 'groups', R, 0.01, {'momentum': 0.9}, {'lr': 0.001, 'alpha': 0.95}, (3,)),
    ]
    for case in cases:
        gold, name, cls, lr, opts = case[:5]
        group1 = case[5] if len(case) > 5 else None
        nograd = case[6] if len(case) > 6 else ()
        run_case(gold, prob, name, cls, lr, opts, group1, nograd)
    # An integrated case: Adam driven by OneCycleLR (which also cycles beta1), with clipping.
    run_case(adam, prob, 'onecycle_clip', A, 0.05, {}, onecycle=STEPS, clip=0.5)
    for gold in (sgd, adam, adamw, rms):
        gold.save()


def clip_goldens(out_dir):
    gold = Golden(out_dir, 'optim_clip')
    g = torch.Generator().manual_seed(99)
    gw = torch.randn(4, 5, generator=g)
    gb = torch.randn(5, generator=g) * 3
    gold.tensor('grad.w', gw).tensor('grad.b', gb)
    for name, max_norm, norm_type in (('l2', 1.5, 2.0), ('inf', 0.7, math.inf), ('l2_noop', 100.0, 2.0)):
        w = torch.zeros(4, 5, requires_grad=True)
        b = torch.zeros(5, requires_grad=True)
        w.grad = gw.clone()
        b.grad = gb.clone()
        total = torch.nn.utils.clip_grad_norm_([w, b], max_norm, norm_type)
        gold.meta(f'{name}.max_norm', repr(max_norm)).meta(f'{name}.norm_type', repr(norm_type))
        gold.tensor(f'{name}.total', total).tensor(f'{name}.w', w.grad).tensor(f'{name}.b', b.grad)
    w = torch.zeros(4, 5, requires_grad=True)
    b = torch.zeros(5, requires_grad=True)
    w.grad = gw.clone()
    b.grad = gb.clone()
    torch.nn.utils.clip_grad_value_([w, b], 0.8)
    gold.tensor('value.w', w.grad).tensor('value.b', b.grad)
    gold.save()


def schedule_goldens(out_dir):
    gold = Golden(out_dir, 'optim_schedules')
    L = torch.optim.lr_scheduler

    def sgd():
        p0 = torch.zeros(1, requires_grad=True)
        p1 = torch.zeros(1, requires_grad=True)
        return torch.optim.SGD([{'params': [p0]}, {'params': [p1], 'lr': 0.05}], lr=0.1, momentum=0.9)

    def adam():
        p0 = torch.zeros(1, requires_grad=True)
        p1 = torch.zeros(1, requires_grad=True)
        return torch.optim.Adam([{'params': [p0]}, {'params': [p1], 'lr': 0.05}], lr=0.1)

    inv = lambda t: 1.0 / (1.0 + 0.5 * t)  # noqa: E731
    cases = [
        ('step', sgd, lambda o: L.StepLR(o, step_size=3, gamma=0.5), 20),
        ('multistep', sgd, lambda o: L.MultiStepLR(o, milestones=[3, 7, 12], gamma=0.3), 20),
        ('exponential', sgd, lambda o: L.ExponentialLR(o, gamma=0.9), 20),
        ('cosine', sgd, lambda o: L.CosineAnnealingLR(o, T_max=10, eta_min=0.001), 30),
        ('inverse_time', sgd, lambda o: L.LambdaLR(o, inv), 20),
        ('linear', sgd, lambda o: L.LinearLR(o, start_factor=0.1, total_iters=5), 10),
        ('linear_decay', sgd, lambda o: L.LinearLR(o, start_factor=1.0, end_factor=0.05, total_iters=8), 12),
        ('warmup_cosine', sgd, lambda o: L.SequentialLR(o, [L.LinearLR(o, start_factor=0.1, total_iters=5),
                                                            L.CosineAnnealingLR(o, T_max=15)], milestones=[5]), 25),
        ('warmup_exponential', sgd, lambda o: L.SequentialLR(o, [L.LinearLR(o, start_factor=0.25, total_iters=4),
                                                                 L.ExponentialLR(o, gamma=0.9)], milestones=[4]), 15),
        ('warmup_inverse_time', sgd, lambda o: L.SequentialLR(o, [L.LinearLR(o, start_factor=0.2, total_iters=3),
                                                                  L.LambdaLR(o, inv)], milestones=[3]), 15),
        ('warmup_step', sgd, lambda o: L.SequentialLR(o, [L.LinearLR(o, start_factor=0.5, total_iters=2),
                                                          L.StepLR(o, step_size=3, gamma=0.5)], milestones=[2]), 15),
        ('chained_linear_exponential', sgd, lambda o: L.ChainedScheduler([L.LinearLR(o, start_factor=0.2, total_iters=4),
                                                                          L.ExponentialLR(o, gamma=0.9)]), 12),
        ('chained_step_exponential', sgd, lambda o: L.ChainedScheduler([L.StepLR(o, step_size=4, gamma=0.5),
                                                                        L.ExponentialLR(o, gamma=0.95)]), 12),
        ('onecycle', sgd, lambda o: L.OneCycleLR(o, max_lr=[0.1, 0.05], total_steps=20), 20),
        ('onecycle_three_phase_linear', adam, lambda o: L.OneCycleLR(
            o, max_lr=[0.1, 0.05], total_steps=30, pct_start=0.25, anneal_strategy='linear', three_phase=True,
            div_factor=10, final_div_factor=100), 30),
        ('onecycle_no_momentum', sgd, lambda o: L.OneCycleLR(o, max_lr=[0.1, 0.05], total_steps=16, pct_start=0.4,
                                                             cycle_momentum=False), 16),
    ]
    for name, make_opt, make_sched, n in cases:
        opt = make_opt()
        sched = make_sched(opt)
        lrs = [[], []]
        moms = []

        def record():
            for i, g in enumerate(opt.param_groups):
                lrs[i].append(g['lr'])
            g0 = opt.param_groups[0]
            moms.append(g0['betas'][0] if 'betas' in g0 else g0['momentum'])

        record()
        for _ in range(n):
            opt.step()
            sched.step()
            record()
        gold.meta(f'{name}.steps', str(n))
        gold.tensor(f'{name}.lr0', torch.tensor(lrs[0], dtype=torch.float64))
        gold.tensor(f'{name}.lr1', torch.tensor(lrs[1], dtype=torch.float64))
        gold.tensor(f'{name}.momentum', torch.tensor(moms, dtype=torch.float64))
    gold.save()


def generate(out_dir):
    torch.set_num_threads(1)
    # SequentialLR restarts a scheduler with step(0), which PyTorch 1.13 warns about.
    warnings.filterwarnings('ignore', category=UserWarning, module='torch.optim.lr_scheduler')
    optimizer_goldens(out_dir)
    clip_goldens(out_dir)
    schedule_goldens(out_dir)


if __name__ == '__main__':
    generate(OUT)
    print('wrote optim goldens to', os.path.normpath(OUT))
