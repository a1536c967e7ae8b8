package dev.nabla.quantize.prune;

import dev.nabla.export.SafeTensors;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A compact file for a pruned model: each float tensor that is at least an eighth zeros is stored
 * as a bitmask (one bit per entry, {@code <name>.mask}, uint8) beside its nonzeros in order
 * ({@code <name>.values}, float32), its shape in the metadata; other tensors are stored as they are.
 * The container is safetensors, so the file opens anywhere; at 90% sparsity a float32 tensor takes
 * 1/8 + 0.1*4 = 0.525 bytes per entry instead of 4. {@link #read} restores the dense state dict.
 *
 * <pre>{@code
 * SparseFile.write(Path.of("out/model.sparse.safetensors"), model.stateDict());
 * model.loadStateDict(SparseFile.read(Path.of("out/model.sparse.safetensors")));
 * }</pre>
 */
public final class SparseFile {
    private static final String SHAPE = "sparse.shape.";

    private SparseFile() {}

    /** Writes {@code state} compactly (atomically, as every safetensors write). */
    public static void write(Path file, Map<String, Tensor> state) throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "nabla-sparse-bitmask");
        state.forEach((name, t) -> {
            if (t.dtype() != DType.FLOAT32 || t.numel() < 64) {
                out.put(name, t);
                return;
            }
            float[] v = t.contiguous().toArray();
            int nnz = 0;
            for (float x : v) {
                nnz += x != 0 ? 1 : 0;
            }
            if (v.length - nnz < v.length / 8) {
                out.put(name, t);
                return;
            }
            byte[] bits = new byte[(v.length + 7) / 8];
            float[] values = new float[nnz];
            int j = 0;
            for (int i = 0; i < v.length; i++) {
                if (v[i] != 0) {
                    bits[i >> 3] |= (byte) (1 << (i & 7));
                    values[j++] = v[i];
                }
            }
            out.put(name + ".mask", Tensor.fromArray(bits, DType.UINT8, bits.length));
            out.put(name + ".values", Tensor.fromArray(values, nnz));
            meta.put(SHAPE + name, t.shape().toString());
        });
        SafeTensors.write(file, out, meta);
    }

    /** Reads a file written by {@link #write} back into a dense state dict. */
    public static Map<String, Tensor> read(Path file) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(file);
        Map<String, Tensor> out = new LinkedHashMap<>();
        c.tensors().forEach((key, t) -> {
            if (key.endsWith(".values")) {
                return;
            }
            if (!key.endsWith(".mask") || !c.metadata().containsKey(SHAPE + key.substring(0, key.length() - 5))) {
                out.put(key, t);
                return;
            }
            String name = key.substring(0, key.length() - 5);
            int[] dims = parseShape(c.metadata().get(SHAPE + name));
            int n = 1;
            for (int d : dims) {
                n *= d;
            }
            byte[] bits = t.toByteArray();
            float[] values = c.tensors().get(name + ".values").toArray();
            float[] dense = new float[n];
            int j = 0;
            for (int i = 0; i < n; i++) {
                if ((bits[i >> 3] >> (i & 7) & 1) != 0) {
                    dense[i] = values[j++];
                }
            }
            out.put(name, Tensor.fromArray(dense, dims));
        });
        return out;
    }

    private static int[] parseShape(String s) {
        String inner = s.replaceAll("[\\[\\]() ]", "");
        if (inner.isEmpty()) {
            return new int[0];
        }
        String[] parts = inner.split(",");
        int[] dims = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            dims[i] = Integer.parseInt(parts[i]);
        }
        return dims;
    }
}
