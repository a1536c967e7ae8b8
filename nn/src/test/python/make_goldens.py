#!/usr/bin/env python3
"""Regenerates every PyTorch golden file of module nn (nn/src/test/resources/goldens).

Run with Debian's PyTorch:  /usr/bin/python3 nn/src/test/python/make_goldens.py
Each goldens_*.py beside this file defines generate(out_dir); they are run in name order with
torch.manual_seed(0) before each, so the output is reproducible.
"""
import glob, importlib, os, sys
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'resources', 'goldens')

def main():
    sys.path.insert(0, HERE)
    torch.set_num_threads(1)
    for path in sorted(glob.glob(os.path.join(HERE, 'goldens_*.py'))):
        mod = importlib.import_module(os.path.basename(path)[:-3])
        torch.manual_seed(0)
        mod.generate(OUT)
        print('wrote goldens of', os.path.basename(path))

if __name__ == '__main__':
    main()
