package dev.nabla.nn.testing;

import dev.nabla.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the golden files written by {@code src/test/python/golden_io.py} (PyTorch outputs that
 * the parity tests compare against). Regenerate them with
 * {@code /usr/bin/python3 nn/src/test/python/make_goldens.py}.
 */
public final class Goldens {
    private final String name;
    private final Map<String, String> meta = new HashMap<>();
    private final Map<String, Tensor> tensors = new HashMap<>();

    private Goldens(String name) {
        this.name = name;
    }

    /** Loads {@code goldens/<name>.txt} from the test class path. */
    public static Goldens load(String name) {
        String path = "/goldens/" + name + ".txt";
        try (InputStream in = Goldens.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("golden file " + path + " is missing; run make_goldens.py");
            }
            Goldens g = new Goldens(name);
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int lineNo = 0;
            for (String line : text.split("\n")) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                String[] parts = line.split(" ");
                switch (parts[0]) {
                    case "meta" -> g.meta.put(parts[1], line.substring(line.indexOf(' ', 5) + 1));
                    case "tensor", "long" -> g.tensors.put(parts[1], parseTensor(parts, path, lineNo));
                    default ->
                        throw new IllegalStateException(path + ":" + lineNo + ": unknown entry '" + parts[0] + "'");
                }
            }
            return g;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read golden file " + path, e);
        }
    }

    /** A {@code tensor} entry is float32, a {@code long} entry int64. */
    private static Tensor parseTensor(String[] parts, String path, int lineNo) {
        int[] dims;
        if (parts[2].equals("-")) {
            dims = new int[0];
        } else {
            String[] ds = parts[2].split(",");
            dims = new int[ds.length];
            for (int i = 0; i < ds.length; i++) {
                dims[i] = Integer.parseInt(ds[i]);
            }
        }
        if (parts[0].equals("long")) {
            long[] v = new long[parts.length - 3];
            for (int i = 0; i < v.length; i++) {
                v[i] = Long.parseLong(parts[3 + i]);
            }
            try {
                return Tensor.fromArray(v, dims);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(path + ":" + lineNo + ": " + e.getMessage(), e);
            }
        }
        float[] v = new float[parts.length - 3];
        for (int i = 0; i < v.length; i++) {
            v[i] = switch (parts[3 + i]) {
                case "nan" -> Float.NaN;
                case "inf" -> Float.POSITIVE_INFINITY;
                case "-inf" -> Float.NEGATIVE_INFINITY;
                default -> (float) Double.parseDouble(parts[3 + i]);
            };
        }
        try {
            return Tensor.fromArray(v, dims);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(path + ":" + lineNo + ": " + e.getMessage(), e);
        }
    }

    public Tensor tensor(String key) {
        Tensor t = tensors.get(key);
        if (t == null) {
            throw new IllegalArgumentException(
                    "golden " + name + " has no tensor '" + key + "' (has " + tensors.keySet() + ")");
        }
        return t;
    }

    public boolean has(String key) {
        return tensors.containsKey(key);
    }

    public String meta(String key) {
        String v = meta.get(key);
        if (v == null) {
            throw new IllegalArgumentException("golden " + name + " has no meta '" + key + "'");
        }
        return v;
    }

    public int metaInt(String key) {
        return Integer.parseInt(meta(key));
    }

    public double metaDouble(String key) {
        return Double.parseDouble(meta(key));
    }

    public boolean metaBool(String key) {
        return Boolean.parseBoolean(meta(key));
    }

    /**
     * Asserts {@code actual} matches golden {@code key} (dtype and shape too) to relative tolerance
     * {@code rtol} (with an absolute floor {@code atol} for values near zero), naming the first bad
     * element.
     */
    public void assertClose(String key, Tensor actual, double rtol, double atol) {
        Tensor expected = tensor(key);
        if (!expected.shape().equals(actual.shape())) {
            throw new AssertionError(name + "/" + key + ": shape " + actual.shape() + ", expected " + expected.shape());
        }
        if (expected.dtype() != actual.dtype()) {
            throw new AssertionError(name + "/" + key + ": dtype " + actual.dtype() + ", expected " + expected.dtype());
        }
        float[] e = expected.toArray();
        float[] a = actual.toArray();
        for (int i = 0; i < e.length; i++) {
            double tol = atol + rtol * Math.abs(e[i]);
            if (!(Math.abs(a[i] - e[i]) <= tol) && !(Float.isNaN(e[i]) && Float.isNaN(a[i]))) {
                throw new AssertionError(name + "/" + key + ": element " + i + " is " + a[i] + ", PyTorch gives " + e[i]
                        + " (tolerance " + tol + ")");
            }
        }
    }
}
