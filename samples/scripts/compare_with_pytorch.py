#!/usr/bin/env python3
"""Side-by-side speed of Nabla and PyTorch on this machine, as a ratio (ours / PyTorch).

The machine's speed drifts (for minutes at a time two threads give about one core's worth), so
absolute figures from different moments cannot be compared. This runs `./nabla bench` (A) and the
peer script `torch_bench.py` (B) alternately, A B A B ..., for --rounds rounds, and reports per
workload every figure and the median of the per-round ratios. For `ms` units (latency) the ratio
is inverted so that > 1 always means Nabla is faster.

    /usr/bin/python3 samples/scripts/compare_with_pytorch.py --only gemm_1024,lenet_train \\
        [--threads 2] [--rounds 3] [--warmup 2] [--java-opts=-XX:UseAVX=2] \\
        [--peer ../shared/peers/torch_bench.py]

--java-opts reaches our JVM through NABLA_JAVA_OPTS (e.g. -XX:UseAVX=2 for the 256-bit kernels).
Non-square GEMMs (gemm_MxKxN) are timed on PyTorch's side by torch_gemm_shapes.py beside this file.
"""
import argparse, os, statistics, subprocess, sys, datetime

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

def parse(out):
    figures = {}
    for line in out.splitlines():
        parts = line.split('\t')
        if len(parts) == 3:
            figures[parts[0]] = (float(parts[1]), parts[2])
    return figures

def run(cmd, env=None):
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr}")
    return parse(p.stdout)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--only', required=True)
    ap.add_argument('--threads', default='2')
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--warmup', default='2')
    ap.add_argument('--java-opts', default='')
    ap.add_argument('--peer', default=os.path.join(ROOT, '..', 'shared', 'peers', 'torch_bench.py'))
    a = ap.parse_args()
    ours_cmd = ['./nabla', 'bench', '--threads', a.threads, '--only', a.only, '--warmup', a.warmup]
    env = dict(os.environ)
    if a.java_opts:
        env['NABLA_JAVA_OPTS'] = (env.get('NABLA_JAVA_OPTS', '') + ' ' + a.java_opts).strip()
    peer_cmds = [['/usr/bin/python3', a.peer, '--threads', a.threads, '--only', a.only]]
    if any('x' in n for n in a.only.split(',')):
        shapes = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'torch_gemm_shapes.py')
        peer_cmds.append(['/usr/bin/python3', shapes, '--threads', a.threads, '--only', a.only])
    rounds = []
    for r in range(a.rounds):
        ours = run(ours_cmd, env)
        theirs = {}
        for cmd in peer_cmds:
            theirs.update(run(cmd))
        rounds.append((ours, theirs))
        print(f"round {r + 1}: " + ", ".join(f"{k} {ours[k][0]:.4g}/{theirs[k][0]:.4g}" for k in ours if k in theirs),
              file=sys.stderr, flush=True)
    print(f"# {datetime.date.today()}  threads={a.threads}  rounds={a.rounds} (A B alternating)"
          f"  warmup={a.warmup}" + (f"  java-opts={a.java_opts}" if a.java_opts else ""))
    print("| workload | unit | Nabla (per round) | PyTorch (per round) | median ratio |")
    print("|---|---|---|---|---|")
    for name in rounds[0][0]:
        if name not in rounds[0][1]:
            continue
        unit = rounds[0][0][name][1]
        ours = [r[0][name][0] for r in rounds]
        theirs = [r[1][name][0] for r in rounds]
        ratios = [(t / o) if unit == 'ms' else (o / t) for o, t in zip(ours, theirs)]
        fmt = lambda xs: ' / '.join(f"{x:.4g}" for x in xs)
        print(f"| {name} | {unit} | {fmt(ours)} | {fmt(theirs)} | {statistics.median(ratios):.2f} |")

if __name__ == '__main__':
    main()
