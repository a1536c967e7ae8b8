package dev.nabla.quantize.prune;

/**
 * The {@code k} smallest of a float array exactly as PyTorch 1.13's CPU {@code torch.topk(...,
 * largest=False)} picks them, ties included: PyTorch fills a queue of (value, index) pairs in index
 * order and runs libstdc++'s {@code std::partial_sort} (when {@code k * 64 <= n}) or
 * {@code std::nth_element}, comparing values only. Among equal values the chosen indices are
 * whatever those algorithms leave in front, so this class replays them step by step (heap select,
 * introselect with median-of-three pivots, insertion sort below four elements). Magnitude pruning
 * then removes the same weights as {@code torch.nn.utils.prune} even when magnitudes tie (zeros
 * after an earlier pruning, quantized weights).
 */
final class TorchTopK {
    private TorchTopK() {}

    /** Indices of the {@code k} smallest values ({@code 0 <= k <= values.length}), in no order. */
    static int[] smallest(float[] values, int k) {
        int n = values.length;
        if (k < 0 || k > n) {
            throw new IllegalArgumentException("topk: k = " + k + " is out of range for " + n + " values");
        }
        float[] v = values.clone();
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        if (k == 0) {
            return new int[0];
        }
        Queue q = new Queue(v, idx);
        if ((long) k * 64 <= n) {
            q.heapSelect(0, k, n);
        } else {
            q.introselect(0, k - 1, n, 2 * lg(n));
        }
        int[] out = new int[k];
        System.arraycopy(idx, 0, out, 0, k);
        return out;
    }

    private static int lg(int n) {
        return 31 - Integer.numberOfLeadingZeros(n);
    }

    /** The (value, index) queue with libstdc++'s algorithms on it. */
    private static final class Queue {
        final float[] v;
        final int[] ix;

        Queue(float[] v, int[] ix) {
            this.v = v;
            this.ix = ix;
        }

        /** PyTorch's comparator for largest=False: NaN first, then ascending values. */
        static boolean less(float a, float b) {
            return (Float.isNaN(a) && !Float.isNaN(b)) || a < b;
        }

        boolean less(int i, int j) {
            return less(v[i], v[j]);
        }

        void swap(int i, int j) {
            float tv = v[i];
            v[i] = v[j];
            v[j] = tv;
            int ti = ix[i];
            ix[i] = ix[j];
            ix[j] = ti;
        }

        // std::__introselect
        void introselect(int first, int nth, int last, int depthLimit) {
            while (last - first > 3) {
                if (depthLimit == 0) {
                    heapSelect(first, nth + 1, last);
                    swap(first, nth);
                    return;
                }
                --depthLimit;
                int cut = partitionPivot(first, last);
                if (cut <= nth) {
                    first = cut;
                } else {
                    last = cut;
                }
            }
            insertionSort(first, last);
        }

        // std::__unguarded_partition_pivot
        int partitionPivot(int first, int last) {
            int mid = first + (last - first) / 2;
            moveMedianToFirst(first, first + 1, mid, last - 1);
            return unguardedPartition(first + 1, last, first);
        }

        void moveMedianToFirst(int result, int a, int b, int c) {
            if (less(a, b)) {
                if (less(b, c)) {
                    swap(result, b);
                } else if (less(a, c)) {
                    swap(result, c);
                } else {
                    swap(result, a);
                }
            } else if (less(a, c)) {
                swap(result, a);
            } else if (less(b, c)) {
                swap(result, c);
            } else {
                swap(result, b);
            }
        }

        int unguardedPartition(int first, int last, int pivot) {
            while (true) {
                while (less(first, pivot)) {
                    ++first;
                }
                --last;
                while (less(pivot, last)) {
                    --last;
                }
                if (!(first < last)) {
                    return first;
                }
                swap(first, last);
                ++first;
            }
        }

        // std::__insertion_sort
        void insertionSort(int first, int last) {
            if (first == last) {
                return;
            }
            for (int i = first + 1; i != last; ++i) {
                float val = v[i];
                int vi = ix[i];
                if (less(val, v[first])) {
                    System.arraycopy(v, first, v, first + 1, i - first);
                    System.arraycopy(ix, first, ix, first + 1, i - first);
                    v[first] = val;
                    ix[first] = vi;
                } else {
                    int hole = i;
                    int next = i - 1;
                    while (less(val, v[next])) {
                        v[hole] = v[next];
                        ix[hole] = ix[next];
                        hole = next;
                        --next;
                    }
                    v[hole] = val;
                    ix[hole] = vi;
                }
            }
        }

        // std::__heap_select
        void heapSelect(int first, int middle, int last) {
            makeHeap(first, middle);
            for (int i = middle; i < last; ++i) {
                if (less(i, first)) {
                    popHeap(first, middle, i);
                }
            }
        }

        void makeHeap(int first, int last) {
            int len = last - first;
            if (len < 2) {
                return;
            }
            int parent = (len - 2) / 2;
            while (true) {
                adjustHeap(first, parent, len, v[first + parent], ix[first + parent]);
                if (parent == 0) {
                    return;
                }
                parent--;
            }
        }

        void popHeap(int first, int last, int result) {
            float val = v[result];
            int vi = ix[result];
            v[result] = v[first];
            ix[result] = ix[first];
            adjustHeap(first, 0, last - first, val, vi);
        }

        void adjustHeap(int first, int holeIndex, int len, float val, int vi) {
            int topIndex = holeIndex;
            int secondChild = holeIndex;
            while (secondChild < (len - 1) / 2) {
                secondChild = 2 * (secondChild + 1);
                if (less(first + secondChild, first + secondChild - 1)) {
                    secondChild--;
                }
                v[first + holeIndex] = v[first + secondChild];
                ix[first + holeIndex] = ix[first + secondChild];
                holeIndex = secondChild;
            }
            if ((len & 1) == 0 && secondChild == (len - 2) / 2) {
                secondChild = 2 * (secondChild + 1);
                v[first + holeIndex] = v[first + secondChild - 1];
                ix[first + holeIndex] = ix[first + secondChild - 1];
                holeIndex = secondChild - 1;
            }
            int parent = (holeIndex - 1) / 2;
            while (holeIndex > topIndex && less(v[first + parent], val)) {
                v[first + holeIndex] = v[first + parent];
                ix[first + holeIndex] = ix[first + parent];
                holeIndex = parent;
                parent = (holeIndex - 1) / 2;
            }
            v[first + holeIndex] = val;
            ix[first + holeIndex] = vi;
        }
    }
}
