#!/usr/bin/env python3
"""The peer torch_bench.py held to 256-bit kernels, as an AVX2-only machine would run it: OpenBLAS's
Haswell kernel, ATen's avx2 dispatch and oneDNN's AVX2 ISA. Used as the peer of our
-XX:UseAVX=2 runs (BENCHMARKS.md, "AVX2"):

    /usr/bin/python3 samples/scripts/compare_with_pytorch.py --rounds 3 --java-opts=-XX:UseAVX=2 \\
        --peer samples/scripts/torch_avx2.py --only cnn_train,cnn_infer

torch_bench.py is looked for beside the repository (../shared/peers/), else in /work/shared/peers/;
NABLA_TORCH_BENCH names it explicitly. torch is imported here first, with the environment set:
torch_bench.py removes OPENBLAS_CORETYPE, and OpenBLAS must have read it before that."""
import os
import runpy
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
bench = os.environ.get('NABLA_TORCH_BENCH')
if not bench:
    beside = os.path.join(ROOT, '..', 'shared', 'peers', 'torch_bench.py')
    bench = beside if os.path.exists(beside) else '/work/shared/peers/torch_bench.py'
if not os.path.exists(bench):
    sys.exit(f'torch_avx2.py: no torch_bench.py at {bench}; set NABLA_TORCH_BENCH to its path')

threads = sys.argv[sys.argv.index('--threads') + 1] if '--threads' in sys.argv else '2'
for var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[var] = threads
os.environ['OPENBLAS_CORETYPE'] = 'Haswell'
os.environ['ATEN_CPU_CAPABILITY'] = 'avx2'
os.environ['ONEDNN_MAX_CPU_ISA'] = 'AVX2'
import torch  # noqa: E402  (OpenBLAS reads its core type now)

if 'CPU capability usage: AVX2' not in torch.__config__.show():
    sys.exit('torch_avx2.py: PyTorch did not take the AVX2 dispatch')
sys.argv = [bench] + sys.argv[1:]
runpy.run_path(bench, run_name='__main__')
