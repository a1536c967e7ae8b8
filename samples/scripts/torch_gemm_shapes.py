#!/usr/bin/env python3
"""PyTorch's side of the non-square GEMM workloads of `./nabla bench` (gemm_MxKxN: torch.mm of a
random M x K and a random K x N matrix, GFLOP/s), timed with the rule of shared/peers/torch_bench.py,
whose square gemm_N workloads these complete. Prints `name<TAB>value<TAB>unit`.

    /usr/bin/python3 samples/scripts/torch_gemm_shapes.py --threads 2 --only gemm_4096x512x4096
"""
import argparse, os, sys, time, statistics
_t = sys.argv[sys.argv.index('--threads') + 1] if '--threads' in sys.argv else '2'
for _v in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[_v] = _t
for _v in ('OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'):  # as torch_bench.py: OpenBLAS picks its own kernel
    os.environ.pop(_v, None)
import torch

SHAPES = {'gemm_4096x512x4096': (4096, 512, 4096), 'gemm_512x4096x512': (512, 4096, 512)}

def timeit(fn, repeats=5):
    for _ in range(3): fn()
    n = 1
    while True:
        t = time.perf_counter(); [fn() for _ in range(n)]; dt = time.perf_counter() - t
        if dt > 0.2: break
        n *= 2
    per = []
    for _ in range(repeats):
        t = time.perf_counter(); [fn() for _ in range(n)]; per.append((time.perf_counter() - t) / n)
    return statistics.median(per)

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--threads', type=int, default=2); ap.add_argument('--only', default='')
    a = ap.parse_args(); torch.set_num_threads(a.threads); torch.manual_seed(0)
    only = set(filter(None, a.only.split(',')))
    for name, (m, k, n) in SHAPES.items():
        if not only or any(name.startswith(o) for o in only):
            A, B = torch.randn(m, k), torch.randn(k, n)
            print(f"{name}\t{2 * m * n * k / timeit(lambda: torch.mm(A, B)) / 1e9:.4g}\tGFLOP/s", flush=True)

if __name__ == '__main__':
    main()
