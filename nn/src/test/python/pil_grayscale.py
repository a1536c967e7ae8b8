#!/usr/bin/env python3
"""Prints PIL's gray level (Image.convert("L")) of each RGB colour given on stdin.

Usage: /usr/bin/python3 pil_grayscale.py < colours   (run by dev.nabla.nn.data.PreprocessingTest)
Input: one "r g b" line per colour (0..255); output: one gray level per line.
Exit code 77 means PIL is not importable (the test is then skipped).
"""
import sys

try:
    from PIL import Image
except ImportError:
    print('PIL is not importable')
    sys.exit(77)

colours = [tuple(int(v) for v in line.split()) for line in sys.stdin if line.strip()]
image = Image.new('RGB', (len(colours), 1))
image.putdata(colours)
print('\n'.join(str(v) for v in image.convert('L').getdata()))
