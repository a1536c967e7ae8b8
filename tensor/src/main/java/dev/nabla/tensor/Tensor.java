package dev.nabla.tensor;

import dev.nabla.tensor.kernel.BinaryOp;
import dev.nabla.tensor.kernel.Elementwise;
import dev.nabla.tensor.kernel.Gemm;
import dev.nabla.tensor.kernel.Int8Elementwise;
import dev.nabla.tensor.kernel.Parallel;
import dev.nabla.tensor.kernel.Reduce;
import dev.nabla.tensor.kernel.Softmax;
import dev.nabla.tensor.kernel.UnaryOp;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * An n-dimensional array of one {@link DType} (float32 unless asked otherwise): a flat storage
 * buffer seen through a shape, strides and an offset.
 *
 * <p>Views ({@link #reshape}, {@link #view}, {@link #transpose}, {@link #permute},
 * {@link #narrow}, {@link #slice}, {@link #select}, {@link #expand}, {@link #squeeze},
 * {@link #unsqueeze}) share storage with their source and copy nothing; {@link #contiguous()}
 * copies only when the layout requires it. Operations return new tensors; the variants that take an
 * {@code out} tensor write into it instead (it may be one of the inputs, for an in-place update).
 * Arithmetic follows NumPy broadcasting. Every shape mismatch throws
 * {@link ShapeMismatchException} naming the operation and the shapes.
 *
 * <p>Dtypes follow PyTorch. Indices and labels are int64 ({@link #argmax}, {@link #randint},
 * {@link #randperm}, data loaders' targets), comparisons give bool masks, and views work on every
 * dtype. Arithmetic between two dtypes computes in {@link DType#promote}'s type: an integer or bool
 * tensor with a float32 one (or a {@code float} scalar) gives float32; integers with integers stay
 * integers, computed exactly in 64 bits and wrapped to the result's width as PyTorch's integer
 * overflow wraps; {@link #div} is true division and always gives float32; the transcendental
 * functions give float32. {@link #sum} of integers or bools is int64. Operations that need floating
 * point ({@link #mean}, {@link #var}, {@link #softmax}, {@link #matmul}, ...) refuse other dtypes
 * with a message saying how to convert ({@link #toFloat()}). The float32 kernels see none of this:
 * the dtype is checked once per operation, never per element.
 *
 * <pre>{@code
 * Tensor x = Tensor.arange(6).reshape(2, 3);          // [[0, 1, 2], [3, 4, 5]]
 * Tensor y = x.mul(2).add(Tensor.of(1, 1, 1));        // broadcasting over rows
 * Tensor p = y.softmax(-1);                           // rows sum to 1
 * Tensor m = x.matmul(x.t());                         // [2, 2]
 * Tensor labels = Tensor.ofLongs(2, 0);               // int64
 * Tensor hits = p.argmax(1, false).eq(labels);        // bool [2]
 * long correct = hits.sum().itemLong();
 * System.out.println(m);
 * }</pre>
 */
public final class Tensor {
    static {
        VectorApi.require(); // a clear error without --add-modules, before a kernel class fails to link
    }

    final Storage storage;
    final int offset;
    final Shape shape;
    final int[] dims;
    final int[] strides;

    Tensor(Storage storage, int offset, Shape shape, int[] strides) {
        this.storage = storage;
        this.offset = offset;
        this.shape = shape;
        this.dims = shape.dims();
        this.strides = strides;
    }

    /** A new contiguous float32 tensor of zeros. */
    private static Tensor alloc(Shape shape) {
        return new Tensor(new Storage(new float[shape.numel()]), 0, shape, shape.contiguousStrides());
    }

    /** A new contiguous tensor of zeros of any dtype. */
    static Tensor alloc(DType dtype, Shape shape) {
        return new Tensor(Storage.allocate(dtype, shape.numel()), 0, shape, shape.contiguousStrides());
    }

    // =================================================================== creation

    public static Tensor zeros(int... shape) {
        return alloc(Shape.of(shape));
    }

    public static Tensor zeros(Shape shape) {
        return alloc(shape);
    }

    public static Tensor ones(int... shape) {
        return full(1f, shape);
    }

    public static Tensor full(float value, int... shape) {
        Tensor t = alloc(Shape.of(shape));
        Arrays.fill(t.storage.data, value);
        return t;
    }

    /** Zeros of the given dtype ({@code false} for bool). */
    public static Tensor zeros(DType dtype, int... shape) {
        return alloc(Objects.requireNonNull(dtype, "dtype"), Shape.of(shape));
    }

    /** Ones of the given dtype ({@code true} for bool). */
    public static Tensor ones(DType dtype, int... shape) {
        return full(dtype, 1L, shape);
    }

    /**
     * Every element {@code value}, converted to the dtype as {@link #to(DType)} converts (an
     * integer dtype truncates toward zero); an empty shape gives a rank-0 tensor.
     */
    public static Tensor full(DType dtype, double value, int... shape) {
        Tensor t = alloc(Objects.requireNonNull(dtype, "dtype"), Shape.of(shape));
        Storage one = Storage.allocate(dtype, 1);
        one.setDouble(0, value);
        t.fillFrom(one);
        return t;
    }

    /** Every element {@code value}, exact for int64 (narrower types wrap, as {@link #to(DType)} does). */
    public static Tensor full(DType dtype, long value, int... shape) {
        Tensor t = alloc(Objects.requireNonNull(dtype, "dtype"), Shape.of(shape));
        Storage one = Storage.allocate(dtype, 1);
        one.setLong(0, value);
        t.fillFrom(one);
        return t;
    }

    /** A rank-0 tensor holding one value. */
    public static Tensor scalar(float value) {
        Tensor t = alloc(Shape.SCALAR);
        t.storage.data[0] = value;
        return t;
    }

    /** A 1-D tensor of the given values. */
    public static Tensor of(float... values) {
        return fromArray(values, values.length);
    }

    /** A 2-D tensor from rows of equal length. */
    public static Tensor of(float[][] rows) {
        int cols = rows.length == 0 ? 0 : rows[0].length;
        float[] data = new float[rows.length * cols];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != cols) {
                throw new ShapeMismatchException(
                        "of: row " + i + " has length " + rows[i].length + " but row 0 has length " + cols);
            }
            System.arraycopy(rows[i], 0, data, i * cols, cols);
        }
        return new Tensor(new Storage(data), 0, Shape.of(rows.length, cols), new int[] {cols, 1});
    }

    /** A tensor holding a copy of {@code data}, laid out row-major in the given shape. */
    public static Tensor fromArray(float[] data, int... shape) {
        Shape s = Shape.of(shape);
        if (s.numel() != data.length) {
            throw new ShapeMismatchException(
                    "fromArray: " + data.length + " values do not fill shape " + s + " (" + s.numel() + " elements)");
        }
        return new Tensor(new Storage(data.clone()), 0, s, s.contiguousStrides());
    }

    /** A 1-D int64 tensor of the given values: {@code Tensor.ofLongs(3, 1, 4)}. */
    public static Tensor ofLongs(long... values) {
        return fromArray(values, values.length);
    }

    /** A 1-D int32 tensor of the given values. */
    public static Tensor ofInts(int... values) {
        return fromArray(values, values.length);
    }

    /** A 1-D bool tensor of the given values. */
    public static Tensor ofBools(boolean... values) {
        return fromArray(values, values.length);
    }

    /** An int64 tensor holding a copy of {@code data}, laid out row-major in the given shape. */
    public static Tensor fromArray(long[] data, int... shape) {
        return over(new Storage(data.clone()), filled("fromArray", data.length, shape));
    }

    /** An int32 tensor holding a copy of {@code data}, laid out row-major in the given shape. */
    public static Tensor fromArray(int[] data, int... shape) {
        return over(new Storage(data.clone()), filled("fromArray", data.length, shape));
    }

    /** An int8 tensor holding a copy of {@code data}, laid out row-major in the given shape. */
    public static Tensor fromArray(byte[] data, int... shape) {
        return fromArray(data, DType.INT8, shape);
    }

    /**
     * A tensor of a byte-sized dtype holding a copy of {@code data}: {@code INT8} reads the bytes as
     * signed, {@code UINT8} as unsigned (byte -1 is 255), {@code BOOL} as {@code byte != 0}.
     */
    public static Tensor fromArray(byte[] data, DType dtype, int... shape) {
        Objects.requireNonNull(dtype, "dtype");
        if (dtype != DType.INT8 && dtype != DType.UINT8 && dtype != DType.BOOL) {
            throw new IllegalArgumentException("fromArray: a byte[] holds int8, uint8 or bool elements, not " + dtype);
        }
        Shape s = filled("fromArray", data.length, shape);
        byte[] copy = data.clone();
        if (dtype == DType.BOOL) {
            for (int i = 0; i < copy.length; i++) {
                copy[i] = (byte) (copy[i] != 0 ? 1 : 0);
            }
        }
        return over(new Storage(dtype, copy), s);
    }

    /** A bool tensor holding {@code data}, laid out row-major in the given shape. */
    public static Tensor fromArray(boolean[] data, int... shape) {
        Shape s = filled("fromArray", data.length, shape);
        byte[] b = new byte[data.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (data[i] ? 1 : 0);
        }
        return over(new Storage(DType.BOOL, b), s);
    }

    /** A contiguous tensor over all of {@code storage}. */
    private static Tensor over(Storage storage, Shape s) {
        return new Tensor(storage, 0, s, s.contiguousStrides());
    }

    private static Shape filled(String op, int length, int[] shape) {
        Shape s = Shape.of(shape);
        if (s.numel() != length) {
            throw new ShapeMismatchException(
                    op + ": " + length + " values do not fill shape " + s + " (" + s.numel() + " elements)");
        }
        return s;
    }

    /**
     * A tensor that uses {@code data} as its storage without copying: later writes to the array
     * show through. For loaders and kernels that fill buffers themselves.
     */
    public static Tensor wrap(float[] data, int... shape) {
        Shape s = Shape.of(shape);
        if (s.numel() != data.length) {
            throw new ShapeMismatchException("wrap: " + data.length + " values do not fill shape " + s);
        }
        return new Tensor(new Storage(data), 0, s, s.contiguousStrides());
    }

    /** {@code [0, 1, ..., end - 1]}. */
    public static Tensor arange(int end) {
        return arange(0, end, 1);
    }

    /** {@code [start, start + 1, ..., end - 1]}. */
    public static Tensor arange(int start, int end) {
        return arange(start, end, 1);
    }

    /** Values from {@code start} (inclusive) to {@code end} (exclusive) in steps of {@code step}. */
    public static Tensor arange(double start, double end, double step) {
        if (step == 0 || !Double.isFinite(start) || !Double.isFinite(end) || !Double.isFinite(step)) {
            throw new IllegalArgumentException(
                    "arange: need finite start, end and a non-zero step, got " + start + ", " + end + ", " + step);
        }
        long n = (long) Math.ceil((end - start) / step);
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("arange: " + n + " elements is too many");
        }
        Tensor t = alloc(Shape.of((int) Math.max(0, n)));
        float[] d = t.storage.data;
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (start + i * step);
        }
        return t;
    }

    /** {@code steps} evenly spaced values from {@code start} to {@code end}, both included. */
    public static Tensor linspace(double start, double end, int steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("linspace: steps must be >= 0, got " + steps);
        }
        Tensor t = alloc(Shape.of(steps));
        float[] d = t.storage.data;
        if (steps == 1) {
            d[0] = (float) start; // torch.linspace(-10, 10, 1) is [-10]: the two-ended fill below would give end
            return t;
        }
        double step = (end - start) / (steps - 1);
        for (int i = 0; i < steps; i++) {
            // Fill from both ends, as PyTorch does, so the last value is exactly end.
            d[i] = (float) (i < steps / 2 ? start + i * step : end - (steps - 1 - i) * step);
        }
        return t;
    }

    /** The {@code n x n} identity matrix. */
    public static Tensor eye(int n) {
        return eye(n, n);
    }

    public static Tensor eye(int rows, int cols) {
        Tensor t = alloc(Shape.of(rows, cols));
        for (int i = 0; i < Math.min(rows, cols); i++) {
            t.storage.data[i * cols + i] = 1f;
        }
        return t;
    }

    /** Zeros of {@code t}'s shape and dtype. */
    public static Tensor zerosLike(Tensor t) {
        return alloc(t.storage.dtype, t.shape);
    }

    /** Ones of {@code t}'s shape and dtype. */
    public static Tensor onesLike(Tensor t) {
        return t.storage.dtype == DType.FLOAT32 ? full(1f, t.dims) : full(t.storage.dtype, 1L, t.dims);
    }

    // ------------------------------------------------------------------- random

    /** Uniform in [0, 1). */
    public static Tensor rand(Generator g, int... shape) {
        return uniform(g, 0, 1, shape);
    }

    public static Tensor rand(int... shape) {
        return rand(Generator.defaultGenerator(), shape);
    }

    /** Standard normal. */
    public static Tensor randn(Generator g, int... shape) {
        return normal(g, 0, 1, shape);
    }

    public static Tensor randn(int... shape) {
        return randn(Generator.defaultGenerator(), shape);
    }

    /** Uniform in [low, high) (just {@code low} when the two are equal). */
    public static Tensor uniform(Generator g, double low, double high, int... shape) {
        Objects.requireNonNull(g, "generator");
        if (!(low <= high)) {
            throw new IllegalArgumentException("uniform: need low <= high, got " + low + ", " + high);
        }
        Tensor t = alloc(Shape.of(shape));
        float[] d = t.storage.data;
        double span = high - low;
        // low + span * u can round up to high in float (u = 1 - 2^-24 in [0.5, 1) gives 1 - 2^-25,
        // which rounds to 1): step such values back below high so the interval stays half-open.
        float below = Math.nextDown((float) high);
        for (int i = 0; i < d.length; i++) {
            float v = (float) (low + span * g.nextFloat());
            d[i] = v >= high && span > 0 ? below : v;
        }
        return t;
    }

    public static Tensor normal(Generator g, double mean, double std, int... shape) {
        Objects.requireNonNull(g, "generator");
        if (!(std >= 0)) {
            throw new IllegalArgumentException("normal: std must be >= 0, got " + std);
        }
        Tensor t = alloc(Shape.of(shape));
        float[] d = t.storage.data;
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (mean + std * g.nextGaussian());
        }
        return t;
    }

    /** Integers uniform in [low, high), as int64. */
    public static Tensor randint(Generator g, int low, int high, int... shape) {
        Objects.requireNonNull(g, "generator");
        if (high <= low) {
            throw new IllegalArgumentException("randint: need low < high, got " + low + ", " + high);
        }
        if ((long) high - low > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "randint: [" + low + ", " + high + ") holds more than " + Integer.MAX_VALUE + " values");
        }
        Tensor t = alloc(DType.INT64, Shape.of(shape));
        long[] d = t.storage.longs();
        for (int i = 0; i < d.length; i++) {
            d[i] = low + g.nextInt(high - low);
        }
        return t;
    }

    /** A random permutation of {@code 0 .. n-1} (Fisher-Yates), as int64. */
    public static Tensor randperm(Generator g, int n) {
        int[] p = permutation(g, n);
        Tensor t = alloc(DType.INT64, Shape.of(n));
        for (int i = 0; i < n; i++) {
            t.storage.longs()[i] = p[i];
        }
        return t;
    }

    /** A random permutation of {@code 0 .. n-1} as ints, for shuffling indices. */
    public static int[] permutation(Generator g, int n) {
        Objects.requireNonNull(g, "generator");
        if (n < 0) {
            throw new IllegalArgumentException("randperm: n must be >= 0, got " + n);
        }
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = g.nextInt(i + 1);
            int tmp = p[i];
            p[i] = p[j];
            p[j] = tmp;
        }
        return p;
    }

    // =================================================================== metadata and access

    public Shape shape() {
        return shape;
    }

    /** The element type. */
    public DType dtype() {
        return storage.dtype;
    }

    /** The sizes of the dimensions (a copy). */
    public int[] dims() {
        return dims.clone();
    }

    /** Size of one dimension; negative counts from the end. */
    public int size(int dim) {
        return shape.size(dim);
    }

    /** Rank (number of dimensions). */
    public int dim() {
        return dims.length;
    }

    public int numel() {
        return shape.numel();
    }

    public int[] strides() {
        return strides.clone();
    }

    /** Index of this tensor's first element in its storage, PyTorch's {@code storage_offset()}. */
    public int storageOffset() {
        return offset;
    }

    /**
     * Counter of in-place writes to this tensor's storage (shared with its views), PyTorch's
     * {@code _version}: autograd saves it with a tensor its backward pass reads, and refuses to use
     * the tensor if it has changed since.
     */
    public int version() {
        return storage.version();
    }

    /** True when this tensor and {@code other} view the same storage buffer. */
    public boolean sharesStorage(Tensor other) {
        return storage == other.storage;
    }

    /**
     * True when elements lie row-major without gaps (size-1 dimensions may have any stride, and an
     * empty tensor is contiguous whatever its strides, as in PyTorch).
     */
    public boolean isContiguous() {
        if (numel() == 0) {
            return true;
        }
        int expected = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            if (dims[i] != 1) {
                if (strides[i] != expected) {
                    return false;
                }
                expected *= dims[i];
            }
        }
        return true;
    }

    private int flatIndex(int[] index) {
        if (index.length != dims.length) {
            throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " has " + index.length
                    + " coordinates but the tensor has rank " + dims.length + " (shape " + shape + ")");
        }
        int at = offset;
        for (int i = 0; i < dims.length; i++) {
            int ix = index[i] < 0 ? index[i] + dims[i] : index[i];
            if (ix < 0 || ix >= dims[i]) {
                throw new IndexOutOfBoundsException("index " + index[i] + " is out of bounds for dimension " + i
                        + " with size " + dims[i] + " (shape " + shape + ")");
            }
            at += ix * strides[i];
        }
        return at;
    }

    /**
     * The element at {@code index} (negative indices count from the end) as a float: integers
     * round to the nearest float (exact below 2^24), bools are 1 or 0. {@link #getLong} is exact.
     */
    public float get(int... index) {
        requireNotQuantized("get");
        int at = flatIndex(index);
        return storage.dtype == DType.FLOAT32 ? storage.data[at] : (float) storage.getLong(at);
    }

    /** The element at {@code index} as a long: exact for integer dtypes, floats truncate as {@link #to}. */
    public long getLong(int... index) {
        requireNotQuantized("getLong");
        return storage.getLong(flatIndex(index));
    }

    /** Writes one element in place, converted to this tensor's dtype as {@link #to} converts. */
    public Tensor set(float value, int... index) {
        requireNotQuantized("set");
        int at = flatIndex(index);
        if (storage.dtype == DType.FLOAT32) {
            storage.data[at] = value;
        } else {
            storage.setDouble(at, value);
        }
        storage.bump();
        return this;
    }

    /** Writes one integer element in place: exact for int64, wrapped for narrower integer types. */
    public Tensor setLong(long value, int... index) {
        requireNotQuantized("setLong");
        storage.setLong(flatIndex(index), value);
        storage.bump();
        return this;
    }

    private int itemIndex(String op) {
        if (numel() != 1) {
            throw new ShapeMismatchException(
                    op + ": only a one-element tensor converts to a number, this one has shape " + shape);
        }
        return offset;
    }

    /** The value of a one-element tensor, as a float (see {@link #get}). */
    public float item() {
        requireNotQuantized("item");
        int at = itemIndex("item");
        return storage.dtype == DType.FLOAT32 ? storage.data[at] : (float) storage.getLong(at);
    }

    /** The value of a one-element tensor as a long: exact for integer dtypes, e.g. a count from {@link #sum}. */
    public long itemLong() {
        requireNotQuantized("itemLong");
        return storage.getLong(itemIndex("itemLong"));
    }

    /** A copy of the elements in row-major order, converted to float (see {@link #get}). */
    public float[] toArray() {
        if (storage.dtype != DType.FLOAT32) {
            return to(DType.FLOAT32).storage.data;
        }
        if (isContiguous()) {
            return Arrays.copyOfRange(storage.data, offset, offset + numel());
        }
        return contiguous().storage.data;
    }

    /** The elements in row-major order as longs (exact for integer dtypes; floats convert as {@link #to}). */
    public long[] toLongArray() {
        return converted(DType.INT64).storage.longs();
    }

    /** The elements in row-major order as ints (int64 wraps; floats convert as {@link #to}). */
    public int[] toIntArray() {
        return converted(DType.INT32).storage.ints();
    }

    /**
     * The elements in row-major order as bytes: int8 as they are, uint8 as their bits (255 is -1),
     * bool as 0 or 1, other dtypes converted as {@link #to} converts to int8.
     */
    public byte[] toByteArray() {
        DType d = storage.dtype;
        return converted(d == DType.UINT8 || d == DType.BOOL ? d : DType.INT8)
                .storage
                .bytes();
    }

    /** The elements in row-major order as booleans ({@code value != 0}; NaN is true). */
    public boolean[] toBooleanArray() {
        byte[] b = converted(DType.BOOL).storage.bytes();
        boolean[] out = new boolean[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i] != 0;
        }
        return out;
    }

    /** A new contiguous tensor of {@code dtype} that shares nothing with this one. */
    private Tensor converted(DType dtype) {
        if (storage.isQuantized()) {
            if (dtype != storage.dtype) {
                throw quantizedError("to(" + dtype + ")");
            }
            Tensor out = new Tensor(
                    Storage.quantized(dtype, new byte[numel()], storage.qScale, storage.qZero),
                    0,
                    shape,
                    shape.contiguousStrides());
            Strided.copy(this, out);
            return out;
        }
        Tensor out = alloc(dtype, shape);
        Strided.copy(this, out);
        return out;
    }

    // =================================================================== dtype conversion

    /**
     * This tensor's values as {@code dtype}: this tensor itself when the dtype already matches (as
     * in PyTorch), else a new contiguous tensor. Float to integer truncates toward zero; values out
     * of the integer type's range (and NaN, ±Inf) give its minimum for int64 and int32, as PyTorch
     * gives on x86 CPUs, and int8 / uint8 keep the low 8 bits of the int32 result (300.0 is 44,
     * -1.0 is 255 as uint8). Integers narrow by wrapping (int64 -1 is uint8 255). Anything becomes
     * bool as {@code value != 0}. Quantization's rounding and saturating conversions are separate.
     */
    public Tensor to(DType dtype) {
        Objects.requireNonNull(dtype, "dtype");
        return dtype == storage.dtype ? this : converted(dtype);
    }

    /** {@code to(DType.FLOAT32)}: PyTorch's {@code .float()}. */
    public Tensor toFloat() {
        return to(DType.FLOAT32);
    }

    /** {@code to(DType.INT64)}: PyTorch's {@code .long()}, e.g. float class labels to indices. */
    public Tensor toLong() {
        return to(DType.INT64);
    }

    // =================================================================== quantized tensors

    /**
     * A quantized tensor, PyTorch's {@code torch.quantize_per_tensor}: the values of this float32
     * tensor as {@code q = clamp(zeroPoint + round(x / scale))} in {@code dtype}'s range, uint8
     * (PyTorch's {@code quint8}, 0..255) or int8 ({@code qint8}, -128..127); each element stands for
     * {@code (q - zeroPoint) * scale}. Views of it ({@link #reshape}, {@link #flatten},
     * {@link #slice}, ...) are quantized alike; arithmetic is not defined on it (dequantize first,
     * or use the quantized operations of {@link QuantizedOps}).
     *
     * <pre>{@code
     * Tensor q = Tensor.of(-1f, 0f, 0.26f).quantizePerTensor(0.1, 10, DType.UINT8);
     * q.intRepr();      // tensor([0, 10, 13], dtype=uint8)
     * q.dequantize();   // tensor([-1.0000, 0.0000, 0.3000])
     * }</pre>
     */
    public Tensor quantizePerTensor(double scale, long zeroPoint, DType dtype) {
        requireFloat("quantizePerTensor");
        QuantizedOps.checkQParams("quantizePerTensor", scale, zeroPoint, dtype);
        Tensor x = contiguous();
        byte[] q = new byte[numel()];
        int lo = dtype == DType.UINT8 ? 0 : -128;
        Int8Elementwise.quantize(
                x.storage.data, x.offset, q.length, (float) scale, (int) zeroPoint, lo, lo + 255, q, 0);
        return quantized(q, scale, (int) zeroPoint, dtype, shape);
    }

    /** A new quantized tensor over {@code q} (no copy), contiguous in {@code shape}. */
    static Tensor quantized(byte[] q, double scale, int zeroPoint, DType dtype, Shape shape) {
        return new Tensor(Storage.quantized(dtype, q, scale, zeroPoint), 0, shape, shape.contiguousStrides());
    }

    /** True for a quantized tensor (see {@link #quantizePerTensor}). */
    public boolean isQuantized() {
        return storage.isQuantized();
    }

    /** The scale of a quantized tensor, PyTorch's {@code q_scale()}. */
    public double qScale() {
        requireQuantized("qScale");
        return storage.qScale;
    }

    /** The zero point of a quantized tensor, PyTorch's {@code q_zero_point()}. */
    public long qZeroPoint() {
        requireQuantized("qZeroPoint");
        return storage.qZero;
    }

    /** The stored integers of a quantized tensor, as a plain uint8 or int8 tensor (a copy), PyTorch's {@code int_repr()}. */
    public Tensor intRepr() {
        requireQuantized("intRepr");
        Tensor out = alloc(storage.dtype, shape);
        Strided.copy(this, out);
        return out;
    }

    /** The real values {@code (q - zeroPoint) * scale} of a quantized tensor, as float32. */
    public Tensor dequantize() {
        requireQuantized("dequantize");
        Tensor c = contiguous();
        Tensor out = alloc(shape);
        Int8Elementwise.dequantize(
                c.storage.bytes(),
                c.offset,
                numel(),
                storage.dtype == DType.UINT8,
                (float) storage.qScale,
                storage.qZero,
                out.storage.data,
                0);
        return out;
    }

    private void requireQuantized(String op) {
        if (!storage.isQuantized()) {
            throw new IllegalArgumentException(op + ": needs a quantized tensor, got " + storage.dtype + " (shape "
                    + shape + "); make one with quantizePerTensor(scale, zeroPoint, dtype)");
        }
    }

    /** Fails for a quantized tensor: for the operations that would read its integers as numbers. */
    private void requireNotQuantized(String op) {
        if (storage.isQuantized()) {
            throw quantizedError(op);
        }
    }

    private IllegalArgumentException quantizedError(String op) {
        return new IllegalArgumentException(op + ": not defined on a quantized tensor (" + quantizedDescription()
                + ", shape " + shape + "); dequantize() it first, or use QuantizedOps");
    }

    /** {@code quint8, scale=0.1, zero_point=10}. */
    String quantizedDescription() {
        return (storage.dtype == DType.UINT8 ? "quint8" : "qint8") + ", scale=" + storage.qScale + ", zero_point="
                + storage.qZero;
    }

    // =================================================================== views

    /** This tensor if contiguous, else a contiguous copy. */
    public Tensor contiguous() {
        if (isContiguous()) {
            return this;
        }
        return converted(storage.dtype);
    }

    /** A contiguous copy that shares nothing with this tensor. */
    public Tensor copy() {
        return converted(storage.dtype);
    }

    /** Same as {@link #copy()}, PyTorch's name. */
    public Tensor clone() {
        return copy();
    }

    private Shape inferShape(String op, int[] newDims) {
        int[] d = newDims.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < d.length; i++) {
            if (d[i] == -1) {
                if (infer >= 0) {
                    throw new ShapeMismatchException(
                            op + ": only one dimension can be -1, got " + Arrays.toString(newDims));
                }
                infer = i;
            } else if (d[i] < 0) {
                throw new ShapeMismatchException(op + ": invalid size " + d[i] + " in " + Arrays.toString(newDims));
            } else {
                known *= d[i];
            }
        }
        int n = numel();
        if (infer >= 0) {
            if (known == 0 || n % known != 0) {
                throw new ShapeMismatchException(op + ": shape " + Arrays.toString(newDims)
                        + " is invalid for input of shape " + shape + " (" + n + " elements)");
            }
            d[infer] = (int) (n / known);
        } else if (known != n) {
            throw new ShapeMismatchException(op + ": shape " + Arrays.toString(newDims)
                    + " is invalid for input of shape " + shape + " (" + n + " elements)");
        }
        return new Shape(d);
    }

    /** A view with new dimensions when the layout allows, otherwise a reshaped copy; one size may be -1. */
    public Tensor reshape(int... newDims) {
        Shape s = inferShape("reshape", newDims);
        int[] st = viewStrides(s.dims());
        if (st != null) {
            return new Tensor(storage, offset, s, st);
        }
        Tensor c = copy(); // no view exists, so this tensor is not contiguous
        return new Tensor(c.storage, 0, s, s.contiguousStrides());
    }

    /** Like {@link #reshape} but never copies: throws when the strides cannot express the new shape. */
    public Tensor view(int... newDims) {
        Shape s = inferShape("view", newDims);
        int[] st = viewStrides(s.dims());
        if (st == null) {
            throw new ShapeMismatchException("view: a tensor of shape " + shape + " with strides "
                    + Arrays.toString(strides) + " cannot be viewed as " + s + "; call contiguous() or reshape()");
        }
        return new Tensor(storage, offset, s, st);
    }

    /**
     * Strides that show this tensor's elements in the new shape, or null when impossible without
     * a copy (the algorithm of PyTorch's computeStride: split the old dims into chunks that are
     * contiguous among themselves and map each onto a run of new dims).
     */
    private int[] viewStrides(int[] nd) {
        if (isContiguous()) {
            return Shape.of(nd).contiguousStrides();
        }
        int n = numel();
        int[] ns = new int[nd.length];
        if (n == 0) {
            return Shape.of(nd).contiguousStrides();
        }
        int viewD = nd.length - 1;
        int chunkBase = strides.length == 0 ? 1 : strides[strides.length - 1];
        long tensorNumel = 1;
        long viewNumel = 1;
        for (int td = dims.length - 1; td >= 0; td--) {
            tensorNumel *= dims[td];
            if (td == 0 || (dims[td - 1] != 1 && strides[td - 1] != tensorNumel * chunkBase)) {
                while (viewD >= 0 && (viewNumel < tensorNumel || nd[viewD] == 1)) {
                    ns[viewD] = (int) (viewNumel * chunkBase);
                    viewNumel *= nd[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) {
                    return null;
                }
                if (td > 0) {
                    chunkBase = strides[td - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        return viewD == -1 ? ns : null;
    }

    /** All dimensions flattened into one. */
    public Tensor flatten() {
        return reshape(numel());
    }

    /** Dimensions {@code start..end} (inclusive, negative allowed) flattened into one. */
    public Tensor flatten(int start, int end) {
        if (dims.length == 0) {
            return reshape(1);
        }
        int s = shape.axis(start);
        int e = shape.axis(end);
        if (s > e) {
            throw new IllegalArgumentException("flatten: start dimension " + start + " comes after end " + end);
        }
        int[] nd = new int[dims.length - (e - s)];
        int j = 0;
        for (int i = 0; i < s; i++) {
            nd[j++] = dims[i];
        }
        int prod = 1;
        for (int i = s; i <= e; i++) {
            prod *= dims[i];
        }
        nd[j++] = prod;
        for (int i = e + 1; i < dims.length; i++) {
            nd[j++] = dims[i];
        }
        return reshape(nd);
    }

    /** Swaps two dimensions (a view). */
    public Tensor transpose(int dim0, int dim1) {
        int a = shape.axis(dim0);
        int b = shape.axis(dim1);
        if (dims.length == 0) {
            return this; // PyTorch allows transpose(0, -1) of a scalar
        }
        int[] perm = new int[dims.length];
        for (int i = 0; i < perm.length; i++) {
            perm[i] = i;
        }
        perm[a] = b;
        perm[b] = a;
        return permute(perm);
    }

    /** Transpose of a matrix (rank 2; rank 0 and 1 are returned as they are). */
    public Tensor t() {
        if (dims.length > 2) {
            throw new ShapeMismatchException(
                    "t: expects a tensor of rank <= 2, got shape " + shape + "; use transpose(dim0, dim1)");
        }
        return dims.length < 2 ? this : transpose(0, 1);
    }

    /** Reorders the dimensions (a view): result dimension i is this tensor's dimension perm[i]. */
    public Tensor permute(int... perm) {
        if (perm.length != dims.length) {
            throw new ShapeMismatchException("permute: " + Arrays.toString(perm) + " has " + perm.length
                    + " entries but the tensor has shape " + shape);
        }
        int[] nd = new int[perm.length];
        int[] ns = new int[perm.length];
        boolean[] seen = new boolean[perm.length];
        for (int i = 0; i < perm.length; i++) {
            int p = shape.axis(perm[i]);
            if (seen[p]) {
                throw new IllegalArgumentException("permute: dimension " + p + " repeats in " + Arrays.toString(perm));
            }
            seen[p] = true;
            nd[i] = dims[p];
            ns[i] = strides[p];
        }
        return new Tensor(storage, offset, new Shape(nd), ns);
    }

    /** Elements {@code start .. start+length-1} of one dimension (a view). */
    public Tensor narrow(int dim, int start, int length) {
        int d = shape.dimension("narrow", dim);
        if (start < 0) {
            start += dims[d];
        }
        if (start < 0 || length < 0 || start + length > dims[d]) {
            throw new IndexOutOfBoundsException("narrow: range [" + start + ", " + (start + length)
                    + ") is out of bounds for dimension " + d + " with size " + dims[d] + " (shape " + shape + ")");
        }
        int[] nd = dims.clone();
        nd[d] = length;
        return new Tensor(storage, offset + start * strides[d], new Shape(nd), strides.clone());
    }

    /**
     * Python's {@code t[start:end:step]} along one dimension (a view); negative start/end count from
     * the end and out-of-range bounds are clipped, as in Python.
     */
    public Tensor slice(int dim, int start, int end, int step) {
        int d = shape.dimension("slice", dim);
        if (step <= 0) {
            throw new IllegalArgumentException("slice: step must be positive, got " + step);
        }
        int size = dims[d];
        int s = start < 0 ? Math.max(0, start + size) : Math.min(start, size);
        int e = end < 0 ? Math.max(0, end + size) : Math.min(end, size);
        int len = e > s ? (e - s + step - 1) / step : 0;
        int[] nd = dims.clone();
        int[] ns = strides.clone();
        nd[d] = len;
        ns[d] = strides[d] * step;
        return new Tensor(storage, offset + (len > 0 ? s * strides[d] : 0), new Shape(nd), ns);
    }

    /** One index of a dimension, which disappears from the shape (a view): {@code t[..., i, ...]}. */
    public Tensor select(int dim, int index) {
        int d = shape.dimension("select", dim);
        int ix = index < 0 ? index + dims[d] : index;
        if (ix < 0 || ix >= dims[d]) {
            throw new IndexOutOfBoundsException("select: index " + index + " is out of bounds for dimension " + d
                    + " with size " + dims[d] + " (shape " + shape + ")");
        }
        int[] nd = new int[dims.length - 1];
        int[] ns = new int[dims.length - 1];
        for (int i = 0, j = 0; i < dims.length; i++) {
            if (i != d) {
                nd[j] = dims[i];
                ns[j++] = strides[i];
            }
        }
        return new Tensor(storage, offset + ix * strides[d], new Shape(nd), ns);
    }

    /**
     * Broadcasts size-1 dimensions to larger sizes without copying (stride 0); new leading
     * dimensions may be added, and -1 keeps a size.
     */
    public Tensor expand(int... newDims) {
        if (newDims.length < dims.length) {
            throw new ShapeMismatchException(
                    "expand: cannot expand shape " + shape + " to " + Arrays.toString(newDims) + " (fewer dimensions)");
        }
        int lead = newDims.length - dims.length;
        int[] nd = new int[newDims.length];
        int[] ns = new int[newDims.length];
        for (int i = 0; i < newDims.length; i++) {
            int want = newDims[i];
            if (i < lead) {
                if (want < 0) {
                    throw new ShapeMismatchException(
                            "expand: -1 is not allowed for a new leading dimension in " + Arrays.toString(newDims));
                }
                nd[i] = want;
                ns[i] = 0;
            } else {
                int have = dims[i - lead];
                if (want == -1 || want == have) {
                    nd[i] = have;
                    ns[i] = strides[i - lead];
                } else if (have == 1 && want >= 0) {
                    nd[i] = want;
                    ns[i] = 0;
                } else {
                    throw new ShapeMismatchException("expand: cannot expand shape " + shape + " to "
                            + Arrays.toString(newDims) + " (dimension " + i + ": " + have + " vs " + want + ")");
                }
            }
        }
        return new Tensor(storage, offset, new Shape(nd), ns);
    }

    public Tensor expand(Shape s) {
        return expand(s.dims());
    }

    /** Removes every size-1 dimension (a view). */
    public Tensor squeeze() {
        int keep = 0;
        for (int d : dims) {
            if (d != 1) {
                keep++;
            }
        }
        int[] nd = new int[keep];
        int[] ns = new int[keep];
        for (int i = 0, j = 0; i < dims.length; i++) {
            if (dims[i] != 1) {
                nd[j] = dims[i];
                ns[j++] = strides[i];
            }
        }
        return new Tensor(storage, offset, new Shape(nd), ns);
    }

    /** Removes one dimension if its size is 1, else returns this tensor unchanged (PyTorch's rule). */
    public Tensor squeeze(int dim) {
        if (dims.length == 0) {
            return this;
        }
        int d = shape.axis(dim);
        return dims[d] == 1 ? select(d, 0) : this;
    }

    /** Inserts a size-1 dimension at position {@code dim} (in {@code [-rank-1, rank]}). */
    public Tensor unsqueeze(int dim) {
        int d = Shape.normalizeAxis(dim, dims.length + 1);
        int[] nd = new int[dims.length + 1];
        int[] ns = new int[dims.length + 1];
        for (int i = 0, j = 0; i < nd.length; i++) {
            if (i == d) {
                nd[i] = 1;
                ns[i] = d < dims.length ? strides[d] * dims[d] : 1;
            } else {
                nd[i] = dims[j];
                ns[i] = strides[j++];
            }
        }
        return new Tensor(storage, offset, new Shape(nd), ns);
    }

    // =================================================================== in-place

    /** Sets every element to {@code value} in place, converted to this dtype as {@link #to} converts. */
    public Tensor fill(float value) {
        requireNotQuantized("fill");
        if (storage.dtype != DType.FLOAT32) {
            Storage one = Storage.allocate(storage.dtype, 1);
            one.setDouble(0, value);
            fillFrom(one);
        } else if (isContiguous()) {
            Arrays.fill(storage.data, offset, offset + numel(), value);
        } else {
            Strided.copy(scalar(value).expand(dims), this);
        }
        storage.bump();
        return this;
    }

    /** Every element set to the one element of {@code one}, which has this tensor's dtype. */
    private void fillFrom(Storage one) {
        if (isContiguous()) {
            storage.fill(offset, offset + numel(), one);
        } else {
            Strided.copy(new Tensor(one, 0, Shape.SCALAR, new int[0]).expand(dims), this);
        }
    }

    /** Sets every element to zero ({@code false}) in place. */
    public Tensor zero() {
        return fill(0f);
    }

    /**
     * Copies {@code src} (broadcast to this shape) into this tensor, which may be a strided view;
     * a different dtype converts as {@link #to} converts (PyTorch's {@code copy_}).
     */
    public Tensor copyFrom(Tensor src) {
        requireNotQuantized("copyFrom");
        src.requireNotQuantized("copyFrom");
        checkNoInternalOverlap("copyFrom");
        Tensor s = src.shape.equals(shape) ? src : src.expandTo("copyFrom", shape);
        if (s.storage == storage) {
            s = s.copy(); // overlapping source and destination
        }
        Strided.copy(s, this);
        storage.bump();
        return this;
    }

    /**
     * Copies this tensor's elements, in row-major order and converted to float as {@link #toArray}
     * converts, into {@code dst} from index {@code dstOffset}: {@link #toArray} without the
     * allocation, for loaders that fill one buffer from many tensors.
     *
     * <pre>{@code
     * float[] batch = new float[2 * 3];
     * Tensor.of(1, 2, 3).copyTo(batch, 3);       // batch = {0, 0, 0, 1, 2, 3}
     * }</pre>
     */
    public void copyTo(float[] dst, int dstOffset) {
        checkRange("copyTo", dst.length, dstOffset);
        Strided.copy(this, new Tensor(new Storage(dst), dstOffset, shape, shape.contiguousStrides()));
    }

    /**
     * Overwrites this tensor's elements, in row-major order, with {@code numel()} values of
     * {@code src} from index {@code srcOffset} (converted to this dtype as {@link #to} converts);
     * this tensor may be a strided view. The counterpart of {@link #copyTo(float[], int)}.
     */
    public Tensor copyFrom(float[] src, int srcOffset) {
        checkRange("copyFrom", src.length, srcOffset);
        return copyFrom(new Tensor(new Storage(src), srcOffset, shape, shape.contiguousStrides()));
    }

    private void checkRange(String op, int length, int at) {
        if (at < 0 || (long) at + numel() > length) {
            throw new IndexOutOfBoundsException(op + ": " + numel() + " elements of a tensor of shape " + shape
                    + " do not fit an array of " + length + " from index " + at);
        }
    }

    /**
     * Writes elements {@code [from, from + count)} of this tensor (row-major order) into
     * {@code dst} at its position, each as {@link DType#byteSize()} bytes of this dtype in the
     * buffer's byte order (bool as 0 or 1, uint8 as its bits), and advances the position: a file
     * writer streams a tensor through one buffer in chunks. A non-contiguous tensor is copied first;
     * pass {@link #contiguous()} once to stream a strided view without copying it per chunk.
     *
     * <pre>{@code
     * ByteBuffer buf = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
     * Tensor.of(1, 2, 3).copyTo(buf, 0, 3);      // 12 bytes of little-endian floats
     * }</pre>
     *
     * @throws BufferOverflowException when {@code dst} has less room than the elements
     */
    public void copyTo(ByteBuffer dst, int from, int count) {
        if (from < 0 || count < 0 || (long) from + count > numel()) {
            throw new IndexOutOfBoundsException("copyTo: elements [" + from + ", " + ((long) from + count)
                    + ") are not within a tensor of " + numel() + " elements (shape " + shape + ")");
        }
        Tensor c = contiguous();
        int at = c.offset + from;
        int bytes = count * storage.dtype.byteSize();
        if (dst.remaining() < bytes) {
            throw new BufferOverflowException();
        }
        switch (storage.dtype) {
            case FLOAT32 -> dst.asFloatBuffer().put(c.storage.data, at, count);
            case INT64 -> dst.asLongBuffer().put(c.storage.longs(), at, count);
            case INT32 -> dst.asIntBuffer().put(c.storage.ints(), at, count);
            case INT8, UINT8, BOOL -> dst.duplicate().put(c.storage.bytes(), at, count);
        }
        dst.position(dst.position() + bytes);
    }

    /**
     * In-place writes that accumulate or copy element by element are wrong when several elements
     * of this tensor are one storage location (an expanded, stride-0 view): refuse, as PyTorch does.
     */
    private void checkNoInternalOverlap(String op) {
        for (int i = 0; i < dims.length; i++) {
            if (strides[i] == 0 && dims[i] > 1) {
                throw new IllegalArgumentException(op + ": cannot write in place into a tensor whose elements share "
                        + "memory (shape " + shape + ", strides " + Arrays.toString(strides)
                        + ", e.g. from expand()); write into a copy()");
            }
        }
    }

    private Tensor expandTo(String op, Shape target) {
        Shape b = Shape.broadcast(op, shape, target);
        if (!b.equals(target)) {
            throw new ShapeMismatchException(op + ": shape " + shape + " cannot be broadcast to " + target);
        }
        return expand(target);
    }

    // =================================================================== elementwise

    private Tensor checkOut(String op, Shape expected, Tensor out) {
        return checkOut(op, DType.FLOAT32, expected, out);
    }

    /** {@code out}, checked to fit a result of this dtype and shape, or a new tensor when it is null. */
    private static Tensor checkOut(String op, DType dtype, Shape expected, Tensor out) {
        if (out == null) {
            return alloc(dtype, expected);
        }
        if (out.storage.dtype != dtype) {
            throw new IllegalArgumentException(
                    op + ": out has dtype " + out.storage.dtype + " but the result has dtype " + dtype);
        }
        if (!out.shape.equals(expected)) {
            throw new ShapeMismatchException(
                    op + ": out has shape " + out.shape + " but the result has shape " + expected);
        }
        if (!out.isContiguous()) {
            throw new IllegalArgumentException(op + ": out must be contiguous (shape " + out.shape + ", strides "
                    + Arrays.toString(out.strides) + ")");
        }
        return out;
    }

    /**
     * True when {@code x} reads the storage {@code out} writes, other than as the very same view:
     * an elementwise kernel writing {@code out} would then read values it already overwrote (or,
     * split over threads, race with them), so {@code x} must be copied first.
     */
    private static boolean overlapsOtherwise(Tensor x, Tensor out) {
        return x.storage == out.storage
                && (x.offset != out.offset
                        || !Arrays.equals(x.dims, out.dims)
                        || !Arrays.equals(x.strides, out.strides));
    }

    /**
     * Checks an {@code out} tensor for a result of {@code dtype} that is converted into it, with
     * PyTorch's casting rule: no float result into an integer or bool {@code out}, no integer
     * result into a bool one.
     */
    private static void checkCastOut(String op, DType dtype, Shape expected, Tensor out) {
        DType to = out.storage.dtype;
        boolean castable = to == dtype || (dtype == DType.BOOL) || (dtype != DType.FLOAT32 && to != DType.BOOL);
        if (!castable) {
            throw new IllegalArgumentException(
                    op + ": the result has dtype " + dtype + ", which cannot be written into an out of dtype " + to);
        }
        checkOut(op, to, expected, out);
    }

    /**
     * Fails unless this tensor is float32: for the operations that exist only in floating point.
     * PyTorch refuses the same ones for integers.
     */
    void requireFloat(String op) {
        if (storage.dtype != DType.FLOAT32) {
            throw new IllegalArgumentException(op + ": needs a float32 tensor, got " + storage.dtype + " (shape "
                    + shape + "); convert with toFloat() first");
        }
    }

    private Tensor binary(BinaryOp op, Tensor other, Tensor out) {
        if (storage.dtype != DType.FLOAT32
                || other.storage.dtype != DType.FLOAT32
                || op.isComparison()
                || (out != null && out.storage.dtype != DType.FLOAT32)) {
            return promotedBinary(op, other, out);
        }
        return floatBinary(op, other, out);
    }

    /** The SIMD path: every operand float32. */
    private Tensor floatBinary(BinaryOp op, Tensor other, Tensor out) {
        Shape s = Shape.broadcast(op.label(), shape, other.shape);
        Tensor o = checkOut(op.label(), s, out);
        Tensor a = overlapsOtherwise(this, o) ? copy() : this;
        Tensor b = overlapsOtherwise(other, o) ? other.copy() : other;
        int n = s.numel();
        if (a.shape.equals(s) && b.shape.equals(s) && a.isContiguous() && b.isContiguous()) {
            Elementwise.binary(
                    op, a.storage.data, a.offset, 1, b.storage.data, b.offset, 1, o.storage.data, o.offset, n);
        } else if (b.numel() == 1 && a.shape.equals(s) && a.isContiguous()) {
            Elementwise.binary(
                    op, a.storage.data, a.offset, 1, b.storage.data, b.offset, 0, o.storage.data, o.offset, n);
        } else if (a.numel() == 1 && b.shape.equals(s) && b.isContiguous()) {
            Elementwise.binary(
                    op, a.storage.data, a.offset, 0, b.storage.data, b.offset, 1, o.storage.data, o.offset, n);
        } else {
            Tensor ea = a.expand(s);
            Tensor eb = b.expand(s);
            float[] ad = ea.storage.data;
            float[] bd = eb.storage.data;
            float[] od = o.storage.data;
            Strided.rows(
                    s.dims(),
                    new int[][] {ea.strides, eb.strides, o.strides},
                    new int[] {ea.offset, eb.offset, o.offset},
                    (off, len, st) ->
                            Elementwise.binaryRange(op, ad, off[0], st[0], bd, off[1], st[1], od, off[2], len));
        }
        o.storage.bump();
        return o;
    }

    /**
     * Everything off the all-float32 path: comparisons give bool, computed in the promoted dtype;
     * {@code div} is true division in float32; the rest compute in the promoted dtype, integers
     * and bools exactly in 64 bits ({@link Integral}), float32 on the SIMD kernels.
     */
    private Tensor promotedBinary(BinaryOp op, Tensor other, Tensor out) {
        String label = op.label();
        DType common = DType.promote(storage.dtype, other.storage.dtype);
        if (common == DType.BOOL && op == BinaryOp.SUB) {
            throw new IllegalArgumentException(
                    "sub: subtracting two bool tensors is not supported (as in PyTorch); use logicalXor()");
        }
        if (common == DType.BOOL && op == BinaryOp.POW) {
            throw new IllegalArgumentException("pow: not supported for two bool tensors; convert with toLong()");
        }
        DType result = op.isComparison() ? DType.BOOL : op == BinaryOp.DIV ? DType.FLOAT32 : common;
        Shape s = Shape.broadcast(label, shape, other.shape);
        if (out != null) {
            checkCastOut(label, result, s, out);
        }
        Tensor r;
        if (common == DType.FLOAT32 || op == BinaryOp.DIV) {
            Tensor a = to(DType.FLOAT32);
            Tensor b = other.to(DType.FLOAT32);
            if (result == DType.FLOAT32 || (out != null && out.storage.dtype == DType.FLOAT32)) {
                return a.floatBinary(op, b, out); // a float out takes a comparison as 1.0 / 0.0
            }
            r = a.floatBinary(op, b, null).to(DType.BOOL);
        } else {
            r = Integral.binary(op, this, other, s, result);
        }
        if (out == null) {
            return r;
        }
        Strided.copy(r, out);
        out.storage.bump();
        return out;
    }

    private Tensor binary(BinaryOp op, float scalar, Tensor out) {
        return binary(op, scalar(scalar), out);
    }

    public Tensor add(Tensor other) {
        return binary(BinaryOp.ADD, other, null);
    }

    /** {@code out = this + other}; {@code out} may be {@code this} for an in-place update. */
    public Tensor add(Tensor other, Tensor out) {
        return binary(BinaryOp.ADD, other, out);
    }

    public Tensor add(float other) {
        return binary(BinaryOp.ADD, other, null);
    }

    public Tensor sub(Tensor other) {
        return binary(BinaryOp.SUB, other, null);
    }

    public Tensor sub(Tensor other, Tensor out) {
        return binary(BinaryOp.SUB, other, out);
    }

    public Tensor sub(float other) {
        return binary(BinaryOp.SUB, other, null);
    }

    public Tensor mul(Tensor other) {
        return binary(BinaryOp.MUL, other, null);
    }

    public Tensor mul(Tensor other, Tensor out) {
        return binary(BinaryOp.MUL, other, out);
    }

    public Tensor mul(float other) {
        return binary(BinaryOp.MUL, other, null);
    }

    /** True division: integer and bool operands give float32, as in PyTorch. */
    public Tensor div(Tensor other) {
        return binary(BinaryOp.DIV, other, null);
    }

    public Tensor div(Tensor other, Tensor out) {
        return binary(BinaryOp.DIV, other, out);
    }

    public Tensor div(float other) {
        return binary(BinaryOp.DIV, other, null);
    }

    public Tensor pow(Tensor exponent) {
        return binary(BinaryOp.POW, exponent, null);
    }

    public Tensor pow(float exponent) {
        return binary(BinaryOp.POW, exponent, null);
    }

    /** Elementwise maximum of two tensors (NaN propagates). */
    public Tensor maximum(Tensor other) {
        return binary(BinaryOp.MAX, other, null);
    }

    /** Elementwise minimum of two tensors (NaN propagates). */
    public Tensor minimum(Tensor other) {
        return binary(BinaryOp.MIN, other, null);
    }

    /** A bool tensor: true where equal (compared in the promoted dtype, see {@link DType#promote}). */
    public Tensor eq(Tensor other) {
        return binary(BinaryOp.EQ, other, null);
    }

    public Tensor eq(float other) {
        return binary(BinaryOp.EQ, other, null);
    }

    public Tensor ne(Tensor other) {
        return binary(BinaryOp.NE, other, null);
    }

    /** A bool tensor: true where not equal to {@code other}, e.g. {@code ne(0f)} turns values into a mask. */
    public Tensor ne(float other) {
        return binary(BinaryOp.NE, other, null);
    }

    public Tensor lt(Tensor other) {
        return binary(BinaryOp.LT, other, null);
    }

    public Tensor lt(float other) {
        return binary(BinaryOp.LT, other, null);
    }

    public Tensor le(Tensor other) {
        return binary(BinaryOp.LE, other, null);
    }

    public Tensor le(float other) {
        return binary(BinaryOp.LE, other, null);
    }

    public Tensor gt(Tensor other) {
        return binary(BinaryOp.GT, other, null);
    }

    public Tensor gt(float other) {
        return binary(BinaryOp.GT, other, null);
    }

    public Tensor ge(Tensor other) {
        return binary(BinaryOp.GE, other, null);
    }

    public Tensor ge(float other) {
        return binary(BinaryOp.GE, other, null);
    }

    /** Applies any {@link BinaryOp} with broadcasting; {@code out} may be null. */
    Tensor apply(BinaryOp op, Tensor other, Tensor out) {
        return binary(op, other, out);
    }

    /**
     * {@code condition ? a : b} elementwise, all three broadcast together; the condition must be
     * bool (as PyTorch requires), and the result has {@code a} and {@code b}'s promoted dtype.
     */
    public static Tensor where(Tensor condition, Tensor a, Tensor b) {
        if (condition.storage.dtype != DType.BOOL) {
            throw new IllegalArgumentException("where: the condition must be a bool tensor, got "
                    + condition.storage.dtype + " (shape " + condition.shape + "); make one with a comparison"
                    + " such as ne(0f)");
        }
        a.requireNotQuantized("where");
        b.requireNotQuantized("where");
        Shape s = Shape.broadcast("where", Shape.broadcast("where", condition.shape, a.shape), b.shape);
        DType result = DType.promote(a.storage.dtype, b.storage.dtype);
        if (result != DType.FLOAT32) {
            return Integral.where(condition, a, b, s, result);
        }
        Tensor c = condition.expand(s).to(DType.FLOAT32); // the float kernel reads 1.0 / 0.0
        Tensor x = a.to(DType.FLOAT32).expand(s).contiguous();
        Tensor y = b.to(DType.FLOAT32).expand(s).contiguous();
        Tensor o = alloc(s);
        Elementwise.where(
                c.storage.data,
                c.offset,
                x.storage.data,
                x.offset,
                y.storage.data,
                y.offset,
                o.storage.data,
                0,
                s.numel());
        return o;
    }

    /**
     * A copy with {@code value} (converted to this dtype) wherever the bool {@code mask}, broadcast
     * to this shape, is true: PyTorch's {@code masked_fill}.
     */
    public Tensor maskedFill(Tensor mask, float value) {
        if (mask.storage.dtype != DType.BOOL) {
            throw new IllegalArgumentException("maskedFill: the mask must be a bool tensor, got " + mask.storage.dtype
                    + "; make one with a" + " comparison such as ne(0f)");
        }
        return where(mask.expandTo("maskedFill", shape), full(storage.dtype, (double) value), this);
    }

    /** Elementwise AND of the truth values ({@code != 0}) of both operands, broadcast; a bool tensor. */
    public Tensor logicalAnd(Tensor other) {
        return Integral.logical(Integral.Logic.AND, this, other);
    }

    /** Elementwise OR of the truth values of both operands; a bool tensor. */
    public Tensor logicalOr(Tensor other) {
        return Integral.logical(Integral.Logic.OR, this, other);
    }

    /** Elementwise exclusive OR of the truth values of both operands; a bool tensor. */
    public Tensor logicalXor(Tensor other) {
        return Integral.logical(Integral.Logic.XOR, this, other);
    }

    /** True where this tensor is zero ({@code false}); a bool tensor. */
    public Tensor logicalNot() {
        return eq(zeros(storage.dtype));
    }

    Tensor unary(UnaryOp op, Tensor out) {
        if (storage.dtype != DType.FLOAT32 || (out != null && out.storage.dtype != DType.FLOAT32)) {
            return promotedUnary(op, out);
        }
        Tensor o = checkOut(op.label(), shape, out);
        Tensor x = overlapsOtherwise(this, o) ? copy() : contiguous();
        Elementwise.unary(op, x.storage.data, x.offset, o.storage.data, o.offset, numel());
        o.storage.bump();
        return o;
    }

    /**
     * A unary op of an integer or bool tensor, with PyTorch's result types: neg, abs, sign, square
     * and relu stay integers (square of bool is int64, sign of bool is bool; neg, abs and relu
     * refuse bool); gelu refuses integers; the other functions promote to float32.
     */
    private Tensor promotedUnary(UnaryOp op, Tensor out) {
        DType d = storage.dtype;
        String label = op.label();
        DType result = switch (op) {
            case NEG, ABS, RELU, SIGN -> d;
            case SQUARE -> d == DType.BOOL ? DType.INT64 : d;
            default -> DType.FLOAT32;
        };
        if (d == DType.BOOL && (op == UnaryOp.NEG || op == UnaryOp.ABS || op == UnaryOp.RELU)) {
            throw new IllegalArgumentException(label + ": not supported for bool tensors (as in PyTorch); "
                    + (op == UnaryOp.NEG ? "invert a mask with logicalNot()" : "convert with toLong()"));
        }
        if (op == UnaryOp.GELU && d != DType.FLOAT32) {
            throw new IllegalArgumentException(
                    "gelu: not supported for " + d + " tensors (as in PyTorch); convert with toFloat() first");
        }
        if (out != null) {
            checkCastOut(label, result, shape, out);
        }
        if (result == DType.FLOAT32) {
            return to(DType.FLOAT32).unary(op, out);
        }
        Tensor o = out == null ? alloc(result, shape) : out;
        Tensor r = op == UnaryOp.SIGN && d == DType.BOOL ? this : Integral.unary(op, this, result);
        Strided.copy(r, o);
        o.storage.bump();
        return o;
    }

    /** Applies any {@link UnaryOp}; {@code out} may be null or {@code this} (in place). */
    Tensor apply(UnaryOp op, Tensor out) {
        return unary(op, out);
    }

    public Tensor neg() {
        return unary(UnaryOp.NEG, null);
    }

    public Tensor abs() {
        return unary(UnaryOp.ABS, null);
    }

    public Tensor exp() {
        return unary(UnaryOp.EXP, null);
    }

    public Tensor log() {
        return unary(UnaryOp.LOG, null);
    }

    public Tensor sqrt() {
        return unary(UnaryOp.SQRT, null);
    }

    public Tensor rsqrt() {
        return unary(UnaryOp.RSQRT, null);
    }

    public Tensor tanh() {
        return unary(UnaryOp.TANH, null);
    }

    public Tensor sigmoid() {
        return unary(UnaryOp.SIGMOID, null);
    }

    public Tensor relu() {
        return unary(UnaryOp.RELU, null);
    }

    /** GELU with the exact (erf) formulation, PyTorch's default. */
    public Tensor gelu() {
        return unary(UnaryOp.GELU, null);
    }

    public Tensor square() {
        return unary(UnaryOp.SQUARE, null);
    }

    public Tensor reciprocal() {
        return unary(UnaryOp.RECIPROCAL, null);
    }

    public Tensor sign() {
        return unary(UnaryOp.SIGN, null);
    }

    /**
     * Limits values to {@code [min, max]}; NaN stays NaN. The bounds are floats, so an integer
     * tensor gives float32, as PyTorch does for float bounds.
     */
    public Tensor clamp(float min, float max) {
        return clamp(min, max, null);
    }

    /** {@link #clamp(float, float)} into {@code out} (float32; null for a new tensor, this for in place). */
    public Tensor clamp(float min, float max, Tensor out) {
        if (min > max) {
            throw new IllegalArgumentException("clamp: min " + min + " is greater than max " + max);
        }
        if (storage.dtype != DType.FLOAT32) {
            return toFloat().clamp(min, max, out);
        }
        Tensor o = checkOut("clamp", shape, out);
        Tensor x = overlapsOtherwise(this, o) ? copy() : contiguous();
        Elementwise.clamp(x.storage.data, x.offset, min, max, o.storage.data, o.offset, numel());
        o.storage.bump();
        return o;
    }

    /**
     * Fused gradient of a unary op: {@code grad * op'(this)} given {@code output = op(this)}, one
     * pass where a composed backward would take several ({@link TensorFunctional#reluBackward} and
     * the other activations' gradients).
     */
    Tensor unaryBackward(UnaryOp op, Tensor output, Tensor grad) {
        if (!output.shape.equals(shape) || !grad.shape.equals(shape)) {
            throw new ShapeMismatchException(op.label() + " backward: input " + shape + ", output " + output.shape
                    + " and gradient " + grad.shape + " must have the same shape");
        }
        if (storage.dtype != DType.FLOAT32
                || output.storage.dtype != DType.FLOAT32
                || grad.storage.dtype != DType.FLOAT32) {
            // The op's name is built only here: a per-call concatenation showed up in autograd's overhead.
            throw new IllegalArgumentException(op.label() + " backward: needs float32 tensors, got input "
                    + storage.dtype + ", output " + output.storage.dtype + " and gradient " + grad.storage.dtype
                    + "; convert with toFloat() first");
        }
        Tensor x = contiguous();
        Tensor y = output.contiguous();
        Tensor g = grad.contiguous();
        Tensor o = alloc(shape);
        Elementwise.unaryBackward(
                op,
                x.storage.data,
                x.offset,
                y.storage.data,
                y.offset,
                g.storage.data,
                g.offset,
                o.storage.data,
                0,
                numel());
        return o;
    }

    // =================================================================== reductions

    /** Sorted, distinct, normalized axes; an empty array means all axes. */
    private int[] axes(String op, int[] axes) {
        if (axes.length == 0) {
            int[] all = new int[dims.length];
            for (int i = 0; i < all.length; i++) {
                all[i] = i;
            }
            return all;
        }
        boolean[] seen = new boolean[Math.max(1, dims.length)];
        for (int a : axes) {
            int n = shape.axis(a);
            if (seen[n]) {
                throw new IllegalArgumentException(
                        op + ": dimension " + a + " appears twice in " + Arrays.toString(axes));
            }
            seen[n] = true;
        }
        int[] out = new int[axes.length];
        int j = 0;
        for (int i = 0; i < seen.length; i++) {
            if (seen[i] && i < dims.length) {
                out[j++] = i;
            }
        }
        return Arrays.copyOf(out, j);
    }

    private Shape reducedShape(int[] axes, boolean keepdim) {
        boolean[] red = new boolean[dims.length];
        for (int a : axes) {
            red[a] = true;
        }
        int[] nd = new int[keepdim ? dims.length : dims.length - axes.length];
        for (int i = 0, j = 0; i < dims.length; i++) {
            if (!red[i]) {
                nd[j++] = dims[i];
            } else if (keepdim) {
                nd[j++] = 1;
            }
        }
        return new Shape(nd);
    }

    /** The {@code [outer, r, inner]} view a reduction over {@code axes} runs on; may copy. */
    private record Block(Tensor data, int outer, int r, int inner) {}

    private Block block(int[] axes) {
        boolean range = axes.length == 0 || axes[axes.length - 1] - axes[0] == axes.length - 1;
        if (range && isContiguous()) {
            int outer = 1;
            int r = 1;
            int inner = 1;
            int lo = axes.length == 0 ? 0 : axes[0];
            int hi = axes.length == 0 ? -1 : axes[axes.length - 1];
            for (int i = 0; i < dims.length; i++) {
                if (i < lo) {
                    outer *= dims[i];
                } else if (i <= hi) {
                    r *= dims[i];
                } else {
                    inner *= dims[i];
                }
            }
            return new Block(this, outer, r, inner);
        }
        // Move the reduced axes last, keep the others in order, and reduce rows of a copy.
        int[] perm = new int[dims.length];
        boolean[] red = new boolean[dims.length];
        for (int a : axes) {
            red[a] = true;
        }
        int j = 0;
        int outer = 1;
        int r = 1;
        for (int i = 0; i < dims.length; i++) {
            if (!red[i]) {
                perm[j++] = i;
                outer *= dims[i];
            }
        }
        for (int a : axes) {
            perm[j++] = a;
            r *= dims[a];
        }
        return new Block(permute(perm).contiguous(), outer, r, 1);
    }

    private Tensor reduce(String op, Reduce.Op kind, int[] axesIn, boolean keepdim) {
        int[] axes = axes(op, axesIn);
        Shape s = reducedShape(axes, keepdim);
        Block b = block(axes);
        try {
            if (storage.dtype != DType.FLOAT32) {
                long[] r = Integral.reduce(kind, b.data.toLongArray(), b.outer, b.r, b.inner);
                return Integral.tensor(r, s, kind == Reduce.Op.SUM ? DType.INT64 : storage.dtype);
            }
            Tensor o = alloc(s);
            Reduce.reduce(kind, b.data.storage.data, b.data.offset, b.outer, b.r, b.inner, o.storage.data, 0);
            return o;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    op + " over dimensions " + Arrays.toString(axes) + " of shape " + shape + ": " + e.getMessage(), e);
        }
    }

    /** Sum of all elements, as a rank-0 tensor. */
    public Tensor sum() {
        return sum(new int[0], false);
    }

    public Tensor sum(int dim) {
        return sum(new int[] {dim}, false);
    }

    public Tensor sum(int dim, boolean keepdim) {
        return sum(new int[] {dim}, keepdim);
    }

    /**
     * Sum over the given dimensions (all when empty); {@code keepdim} keeps them as size 1. Integer
     * and bool tensors sum exactly into int64, as in PyTorch (a bool sum counts the trues).
     */
    public Tensor sum(int[] dims, boolean keepdim) {
        return reduce("sum", Reduce.Op.SUM, dims, keepdim);
    }

    public Tensor mean() {
        return mean(new int[0], false);
    }

    public Tensor mean(int dim) {
        return mean(new int[] {dim}, false);
    }

    public Tensor mean(int dim, boolean keepdim) {
        return mean(new int[] {dim}, keepdim);
    }

    /**
     * Mean over the given dimensions (all when empty); an empty reduction gives NaN. Float32 only,
     * as in PyTorch: convert integers with {@link #toFloat()} first.
     */
    public Tensor mean(int[] dims, boolean keepdim) {
        requireFloat("mean");
        int[] axes = axes("mean", dims);
        int count = 1;
        for (int a : axes) {
            count *= this.dims[a];
        }
        Tensor s = reduce("mean", Reduce.Op.SUM, axes, keepdim);
        float inv = count == 0 ? Float.NaN : 1f / count;
        Elementwise.binary(BinaryOp.MUL, s.storage.data, 0, 1, new float[] {inv}, 0, 0, s.storage.data, 0, s.numel());
        return s;
    }

    /** Largest element. */
    public Tensor max() {
        return max(new int[0], false);
    }

    public Tensor max(int dim) {
        return max(new int[] {dim}, false);
    }

    public Tensor max(int dim, boolean keepdim) {
        return max(new int[] {dim}, keepdim);
    }

    /**
     * Largest values over the given dimensions (PyTorch's {@code amax}), in this tensor's dtype;
     * NaN propagates.
     */
    public Tensor max(int[] dims, boolean keepdim) {
        return reduce("max", Reduce.Op.MAX, dims, keepdim);
    }

    public Tensor min() {
        return min(new int[0], false);
    }

    public Tensor min(int dim) {
        return min(new int[] {dim}, false);
    }

    public Tensor min(int dim, boolean keepdim) {
        return min(new int[] {dim}, keepdim);
    }

    public Tensor min(int[] dims, boolean keepdim) {
        return reduce("min", Reduce.Op.MIN, dims, keepdim);
    }

    /** Index of the largest element of the flattened tensor, as a rank-0 int64 tensor. */
    public Tensor argmax() {
        return flatten().argmax(0, false);
    }

    /** Indices (int64) of the largest values along {@code dim}; ties go to the first, NaN wins. */
    public Tensor argmax(int dim, boolean keepdim) {
        return argExtreme("argmax", true, dim, keepdim);
    }

    public Tensor argmin(int dim, boolean keepdim) {
        return argExtreme("argmin", false, dim, keepdim);
    }

    private Tensor argExtreme(String op, boolean largest, int dim, boolean keepdim) {
        int[] axes = axes(op, new int[] {dim});
        Shape s = reducedShape(axes, keepdim);
        Block b = block(axes);
        try {
            if (storage.dtype != DType.FLOAT32) {
                return Integral.tensor(
                        Integral.argExtreme(largest, b.data.toLongArray(), b.outer, b.r, b.inner), s, DType.INT64);
            }
            Tensor o = alloc(DType.INT64, s);
            Reduce.argExtreme(largest, b.data.storage.data, b.data.offset, b.outer, b.r, b.inner, o.storage.longs(), 0);
            return o;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    op + " over dimension " + dim + " of shape " + shape + ": " + e.getMessage(), e);
        }
    }

    /** Unbiased variance of all elements. */
    public Tensor var() {
        return var(new int[0], false, 1);
    }

    public Tensor var(int dim, boolean keepdim) {
        return var(new int[] {dim}, keepdim, 1);
    }

    /**
     * Variance over the given dimensions, dividing by {@code N - correction} (1: unbiased, the
     * PyTorch default; 0: population).
     */
    public Tensor var(int[] dims, boolean keepdim, int correction) {
        requireFloat("var");
        int[] axes = axes("var", dims);
        Shape s = reducedShape(axes, keepdim);
        Block b = block(axes);
        Tensor o = alloc(s);
        Reduce.variance(b.data.storage.data, b.data.offset, b.outer, b.r, b.inner, correction, o.storage.data, 0);
        return o;
    }

    // =================================================================== softmax

    private Tensor softmax(String op, boolean log, int dim, Tensor out) {
        requireFloat(op);
        int d = shape.axis(dim);
        Tensor o = checkOut(op, shape, out);
        Tensor x = overlapsOtherwise(this, o) ? copy() : contiguous();
        int outer = 1;
        int inner = 1;
        for (int i = 0; i < d; i++) {
            outer *= dims[i];
        }
        for (int i = d + 1; i < dims.length; i++) {
            inner *= dims[i];
        }
        Softmax.forward(
                log, x.storage.data, x.offset, outer, dims.length == 0 ? 1 : dims[d], inner, o.storage.data, o.offset);
        o.storage.bump();
        return o;
    }

    /** Softmax along {@code dim}, computed stably (the maximum is subtracted first). */
    public Tensor softmax(int dim) {
        return softmax("softmax", false, dim, null);
    }

    public Tensor softmax(int dim, Tensor out) {
        return softmax("softmax", false, dim, out);
    }

    /** {@code log(softmax(x))} computed as {@code x - max - log(sum(exp(x - max)))}. */
    public Tensor logSoftmax(int dim) {
        return softmax("logSoftmax", true, dim, null);
    }

    public Tensor logSoftmax(int dim, Tensor out) {
        return softmax("logSoftmax", true, dim, out);
    }

    /**
     * Gradient of (log-)softmax along {@code dim} from this forward output and the output gradient
     * ({@link TensorFunctional#softmaxBackward}, {@link TensorFunctional#logSoftmaxBackward}).
     */
    Tensor softmaxBackward(boolean log, int dim, Tensor grad) {
        if (!grad.shape.equals(shape)) {
            throw new ShapeMismatchException((log ? "logSoftmax" : "softmax") + " backward: output " + shape
                    + " and gradient " + grad.shape + " differ");
        }
        requireFloat(log ? "logSoftmax backward" : "softmax backward");
        grad.requireFloat(log ? "logSoftmax backward" : "softmax backward");
        int d = shape.axis(dim);
        int outer = 1;
        int inner = 1;
        for (int i = 0; i < d; i++) {
            outer *= dims[i];
        }
        for (int i = d + 1; i < dims.length; i++) {
            inner *= dims[i];
        }
        Tensor y = contiguous();
        Tensor g = grad.contiguous();
        Tensor o = alloc(shape);
        Softmax.backward(
                log,
                y.storage.data,
                y.offset,
                g.storage.data,
                g.offset,
                outer,
                dims.length == 0 ? 1 : dims[d],
                inner,
                o.storage.data,
                0);
        return o;
    }

    // =================================================================== matmul

    /**
     * Matrix product with PyTorch's {@code matmul} rules: 1-D operands are treated as a row
     * (left) or column (right) vector and that dimension is dropped from the result; beyond two
     * dimensions the leading (batch) dimensions broadcast.
     */
    public Tensor matmul(Tensor other) {
        return matmul(other, null);
    }

    public Tensor matmul(Tensor other, Tensor out) {
        requireFloat("matmul");
        other.requireFloat("matmul");
        if (dims.length == 0 || other.dims.length == 0) {
            throw new ShapeMismatchException(
                    "matmul: both operands need at least one dimension, got shapes " + shape + " and " + other.shape);
        }
        Tensor a = dims.length == 1 ? unsqueeze(0) : this;
        Tensor b = other.dims.length == 1 ? other.unsqueeze(1) : other;
        int m = a.dims[a.dims.length - 2];
        int k = a.dims[a.dims.length - 1];
        int kb = b.dims[b.dims.length - 2];
        int n = b.dims[b.dims.length - 1];
        if (k != kb) {
            throw new ShapeMismatchException("matmul: shapes " + shape + " and " + other.shape
                    + " do not fit (inner dimensions " + k + " and " + kb + " differ)");
        }
        Shape batchA = Shape.of(Arrays.copyOf(a.dims, a.dims.length - 2));
        Shape batchB = Shape.of(Arrays.copyOf(b.dims, b.dims.length - 2));
        Shape batch;
        try {
            batch = Shape.broadcast("matmul", batchA, batchB);
        } catch (ShapeMismatchException e) {
            throw new ShapeMismatchException("matmul: shapes " + shape + " and " + other.shape
                    + " have batch dimensions " + batchA + " and " + batchB + " that cannot be broadcast");
        }
        int[] full = Arrays.copyOf(batch.dims(), batch.rank() + 2);
        full[batch.rank()] = m;
        full[batch.rank() + 1] = n;
        Shape resultFull = new Shape(full);
        // The shape the caller sees drops the dimensions that 1-D operands added.
        int[] visible;
        if (dims.length == 1 && other.dims.length == 1) {
            visible = new int[0];
        } else if (dims.length == 1) {
            visible = removeAt(full, full.length - 2);
        } else if (other.dims.length == 1) {
            visible = removeAt(full, full.length - 1);
        } else {
            visible = full;
        }
        Tensor o = checkOut("matmul", new Shape(visible), out);
        if (o.storage == storage || o.storage == other.storage) {
            throw new IllegalArgumentException("matmul: out must not share storage with an operand");
        }
        int[] ea = Arrays.copyOf(batch.dims(), batch.rank() + 2);
        ea[batch.rank()] = m;
        ea[batch.rank() + 1] = k;
        int[] eb = Arrays.copyOf(batch.dims(), batch.rank() + 2);
        eb[batch.rank()] = k;
        eb[batch.rank() + 1] = n;
        a = matrixLayout(a.expand(ea));
        b = matrixLayout(b.expand(eb));
        batchedGemm(a, b, o, batch, m, n, k, resultFull);
        o.storage.bump();
        return o;
    }

    private static int[] removeAt(int[] d, int at) {
        int[] r = new int[d.length - 1];
        for (int i = 0, j = 0; i < d.length; i++) {
            if (i != at) {
                r[j++] = d[i];
            }
        }
        return r;
    }

    /** Keeps a row- or column-major matrix layout as it is (GEMM reads both); copies anything else. */
    private static Tensor matrixLayout(Tensor t) {
        int r = t.dims.length;
        int rs = t.strides[r - 2];
        int cs = t.strides[r - 1];
        int rows = t.dims[r - 2];
        int cols = t.dims[r - 1];
        boolean rowMajor = (cs == 1 || cols == 1) && rs >= Math.max(1, cols);
        boolean colMajor = (rs == 1 || rows == 1) && cs >= Math.max(1, rows);
        return rowMajor || colMajor ? t : t.contiguous();
    }

    private static void batchedGemm(Tensor a, Tensor b, Tensor o, Shape batch, int m, int n, int k, Shape full) {
        if (m == 0 || n == 0 || batch.numel() == 0) {
            return; // an empty result: nothing to compute
        }
        int r = a.dims.length;
        int rsA = a.strides[r - 2];
        int csA = a.strides[r - 1];
        int rsB = b.strides[r - 2];
        int csB = b.strides[r - 1];
        boolean transA = !((csA == 1 || k == 1) && rsA >= Math.max(1, k));
        boolean transB = !((csB == 1 || n == 1) && rsB >= Math.max(1, n));
        int lda = transA ? Math.max(csA, Math.max(1, m)) : Math.max(rsA, Math.max(1, k));
        int ldb = transB ? Math.max(csB, Math.max(1, k)) : Math.max(rsB, Math.max(1, n));
        int count = batch.numel();
        int[] bd = batch.dims();
        float[] ad = a.storage.data;
        float[] bdata = b.storage.data;
        float[] od = o.storage.data;
        int oOff = o.offset;
        Parallel.Range body = (from, to) -> {
            for (int i = from; i < to; i++) {
                int offA = a.offset;
                int offB = b.offset;
                int rem = i;
                for (int d = bd.length - 1; d >= 0; d--) {
                    int ix = rem % bd[d];
                    rem /= bd[d];
                    offA += ix * a.strides[d];
                    offB += ix * b.strides[d];
                }
                Gemm.sgemm(transA, transB, m, n, k, 1f, ad, offA, lda, bdata, offB, ldb, 0f, od, oOff + i * m * n, n);
            }
        };
        long flops = 2L * m * n * k;
        if (count > 1 && flops < (1L << 22)) {
            // Many small products (attention heads): split the batch across threads.
            Parallel.forRange(count, (int) Math.max(1, (1L << 20) / Math.max(1, flops)), body);
        } else {
            body.run(0, count);
        }
    }

    // =================================================================== joining and indexing

    /**
     * Joins tensors along an existing dimension; all other dimensions must agree. Mixed dtypes
     * join in their promoted dtype, as in PyTorch.
     */
    public static Tensor cat(int dim, Tensor... parts) {
        if (parts.length == 0) {
            throw new IllegalArgumentException("cat: needs at least one tensor");
        }
        Tensor first = parts[0];
        int d = first.shape.dimension("cat", dim);
        int total = 0;
        DType dtype = first.storage.dtype;
        for (Tensor p : parts) {
            p.requireNotQuantized("cat");
            dtype = DType.promote(dtype, p.storage.dtype);
            if (p.dims.length != first.dims.length) {
                throw new ShapeMismatchException(
                        "cat: shapes " + first.shape + " and " + p.shape + " have different ranks");
            }
            for (int i = 0; i < first.dims.length; i++) {
                if (i != d && p.dims[i] != first.dims[i]) {
                    throw new ShapeMismatchException("cat: shapes " + first.shape + " and " + p.shape
                            + " differ in dimension " + i + " (only dimension " + d + " may differ)");
                }
            }
            total += p.dims[d];
        }
        int[] nd = first.dims.clone();
        nd[d] = total;
        Tensor out = alloc(dtype, new Shape(nd));
        int at = 0;
        for (Tensor p : parts) {
            Strided.copy(p, out.narrow(d, at, p.dims[d]));
            at += p.dims[d];
        }
        return out;
    }

    /** Stacks equally shaped tensors along a new dimension. */
    public static Tensor stack(int dim, Tensor... parts) {
        if (parts.length == 0) {
            throw new IllegalArgumentException("stack: needs at least one tensor");
        }
        Tensor[] expanded = new Tensor[parts.length];
        for (int i = 0; i < parts.length; i++) {
            if (!parts[i].shape.equals(parts[0].shape)) {
                throw new ShapeMismatchException(
                        "stack: shapes " + parts[0].shape + " and " + parts[i].shape + " differ (tensor " + i + ")");
            }
            expanded[i] = parts[i].unsqueeze(dim);
        }
        return cat(dim, expanded);
    }

    /** Splits into pieces of {@code size} along {@code dim} (the last may be smaller); views. */
    public Tensor[] split(int size, int dim) {
        int d = shape.dimension("split", dim);
        if (size <= 0) {
            throw new IllegalArgumentException("split: size must be positive, got " + size);
        }
        int count = Math.max(1, (dims[d] + size - 1) / size);
        Tensor[] out = new Tensor[count];
        for (int i = 0; i < count; i++) {
            int start = i * size;
            out[i] = narrow(d, start, Math.min(size, dims[d] - start));
        }
        return out;
    }

    /**
     * Zero padding, PyTorch's {@code F.pad(x, pad)} in constant mode with value 0: {@code padding}
     * holds {@code (before, after)} pairs from the last dimension backwards, so
     * {@code pad(1, 1)} widens the last dimension by two and {@code pad(0, 0, 0, 0, 2, 2)} adds two
     * channels on each side of dimension {@code -3}. A quantized tensor is padded with its zero
     * point (the value 0). Negative amounts are not supported.
     *
     * <pre>{@code
     * Tensor.of(1f, 2f).pad(1, 2);   // tensor([0., 1., 2., 0., 0.])
     * }</pre>
     */
    public Tensor pad(int... padding) {
        if (padding.length % 2 != 0 || padding.length / 2 > dims.length) {
            throw new IllegalArgumentException("pad: needs (before, after) pairs for at most " + dims.length
                    + " dimensions, got " + Arrays.toString(padding) + " for shape " + shape);
        }
        int[] nd = dims.clone();
        int[] start = new int[dims.length];
        for (int i = 0; i < padding.length / 2; i++) {
            int d = dims.length - 1 - i;
            if (padding[2 * i] < 0 || padding[2 * i + 1] < 0) {
                throw new IllegalArgumentException("pad: amounts must be >= 0, got " + Arrays.toString(padding));
            }
            nd[d] += padding[2 * i] + padding[2 * i + 1];
            start[d] = padding[2 * i];
        }
        Shape s = new Shape(nd);
        Tensor out;
        if (storage.isQuantized()) {
            byte[] q = new byte[s.numel()];
            Arrays.fill(q, (byte) storage.qZero);
            out = quantized(q, storage.qScale, storage.qZero, storage.dtype, s);
        } else {
            out = alloc(storage.dtype, s);
        }
        Tensor inner = out;
        for (int d = 0; d < dims.length; d++) {
            inner = inner.narrow(d, start[d], dims[d]);
        }
        Strided.copy(this, inner);
        return out;
    }

    /**
     * The values of an int64 or int32 index tensor, row-major, checked against {@code bound}
     * (negative ones count from the end). Float indices are refused, as PyTorch refuses them.
     */
    private static int[] indexValues(String op, Tensor index, int bound, int d) {
        DType t = index.storage.dtype;
        if (t != DType.INT64 && t != DType.INT32) {
            throw new IllegalArgumentException(op + ": index must be an int64 or int32 tensor, got " + t + " (shape "
                    + index.shape + "); convert with toLong()");
        }
        long[] v = index.toLongArray();
        int[] ix = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            long k = v[i];
            if (k < -bound || k >= bound) {
                throw new IndexOutOfBoundsException(op + ": index " + k + " at position " + i
                        + " is out of bounds for dimension " + d + " with size " + bound);
            }
            ix[i] = (int) (k < 0 ? k + bound : k);
        }
        return ix;
    }

    /** PyTorch's rule for the accumulating index ops: the source has this tensor's dtype. */
    private void requireSameDtype(String op, Tensor source) {
        if (source.storage.dtype != storage.dtype) {
            throw new IllegalArgumentException(op + ": source has dtype " + source.storage.dtype
                    + " but this tensor has dtype " + storage.dtype + "; convert one with to(dtype)");
        }
    }

    /**
     * Picks whole slices along {@code dim} by a 1-D int64 (or int32) tensor of indices:
     * {@code t[..., idx, ...]}, in this tensor's dtype.
     */
    public Tensor indexSelect(int dim, Tensor index) {
        requireNotQuantized("indexSelect");
        int d = shape.dimension("indexSelect", dim);
        if (index.dims.length != 1) {
            throw new ShapeMismatchException("indexSelect: index must be 1-D, got shape " + index.shape);
        }
        int[] ix = indexValues("indexSelect", index, dims[d], d);
        int[] nd = dims.clone();
        nd[d] = ix.length;
        Tensor out = alloc(storage.dtype, new Shape(nd));
        for (int i = 0; i < ix.length; i++) {
            Strided.copy(select(d, ix[i]), out.select(d, i));
        }
        return out;
    }

    /**
     * Adds slices of {@code source} into this tensor in place at the indices along {@code dim};
     * repeated indices accumulate. The adjoint of {@link #indexSelect}.
     */
    public Tensor indexAdd(int dim, Tensor index, Tensor source) {
        requireNotQuantized("indexAdd");
        int d = shape.dimension("indexAdd", dim);
        checkNoInternalOverlap("indexAdd");
        if (index.dims.length != 1) {
            throw new ShapeMismatchException("indexAdd: index must be 1-D, got shape " + index.shape);
        }
        int[] ix = indexValues("indexAdd", index, dims[d], d);
        requireSameDtype("indexAdd", source);
        int[] expect = dims.clone();
        expect[d] = ix.length;
        if (!source.shape.equals(Shape.of(expect))) {
            throw new ShapeMismatchException("indexAdd: source has shape " + source.shape + " but "
                    + Arrays.toString(expect) + " is needed for " + ix.length + " indices into shape " + shape);
        }
        for (int i = 0; i < ix.length; i++) {
            Tensor dst = select(d, ix[i]);
            Strided.copy(dst.add(source.select(d, i)), dst);
        }
        storage.bump();
        return this;
    }

    /**
     * {@code out[i][j][k] = this[index[i][j][k]][j][k]} for {@code dim = 0}, and so on: picks one
     * element along {@code dim} per position of {@code index} (int64 or int32, of this tensor's
     * rank), in this tensor's dtype.
     */
    public Tensor gather(int dim, Tensor index) {
        requireNotQuantized("gather");
        int d = shape.dimension("gather", dim);
        checkGatherShapes("gather", d, index, null);
        int[] at = scatterPositions(d, indexValues("gather", index, dims[d], d), index.dims);
        Tensor out = alloc(storage.dtype, index.shape);
        if (storage.dtype == DType.FLOAT32) {
            float[] od = out.storage.data;
            float[] xd = storage.data;
            for (int i = 0; i < at.length; i++) {
                od[i] = xd[at[i]];
            }
        } else {
            for (int i = 0; i < at.length; i++) {
                out.storage.setLong(i, storage.getLong(at[i]));
            }
        }
        return out;
    }

    /**
     * The storage position in this tensor of each element of an index of shape {@code id}: the
     * index's own coordinates, with coordinate {@code d} replaced by the index value.
     */
    private int[] scatterPositions(int d, int[] ix, int[] id) {
        int[] at = new int[ix.length];
        int[] pos = new int[id.length];
        for (int i = 0; i < ix.length; i++) {
            int p = offset;
            for (int a = 0; a < id.length; a++) {
                p += (a == d ? ix[i] : pos[a]) * strides[a];
            }
            at[i] = p;
            advance(pos, id);
        }
        return at;
    }

    /**
     * Adds {@code source} into this tensor in place at the positions {@code index} names along
     * {@code dim} (the adjoint of {@link #gather}); repeated positions accumulate.
     */
    public Tensor scatterAdd(int dim, Tensor index, Tensor source) {
        requireNotQuantized("scatterAdd");
        int d = shape.dimension("scatterAdd", dim);
        checkNoInternalOverlap("scatterAdd");
        checkGatherShapes("scatterAdd", d, index, source);
        requireSameDtype("scatterAdd", source);
        int[] at = scatterPositions(d, indexValues("scatterAdd", index, dims[d], d), index.dims);
        if (storage.dtype == DType.FLOAT32) {
            float[] src = source.toArray();
            float[] data = storage.data;
            for (int i = 0; i < at.length; i++) {
                data[at[i]] += src[i];
            }
        } else {
            long[] src = source.toLongArray();
            for (int i = 0; i < at.length; i++) {
                storage.setLong(at[i], storage.getLong(at[i]) + src[i]);
            }
        }
        storage.bump();
        return this;
    }

    private void checkGatherShapes(String op, int d, Tensor index, Tensor source) {
        if (index.dims.length != dims.length) {
            throw new ShapeMismatchException(
                    op + ": index has shape " + index.shape + " but must have the rank of " + shape);
        }
        for (int a = 0; a < dims.length; a++) {
            if (a != d && index.dims[a] > dims[a]) {
                throw new ShapeMismatchException(
                        op + ": index shape " + index.shape + " exceeds shape " + shape + " in dimension " + a);
            }
        }
        if (source != null && !source.shape.equals(index.shape)) {
            throw new ShapeMismatchException(
                    op + ": source shape " + source.shape + " differs from index shape " + index.shape);
        }
    }

    private static void advance(int[] pos, int[] dims) {
        for (int a = dims.length - 1; a >= 0; a--) {
            if (++pos[a] < dims[a]) {
                return;
            }
            pos[a] = 0;
        }
    }

    // =================================================================== comparison and printing

    /**
     * A histogram of the elements of a float32 tensor, PyTorch's {@code torch.histc}: {@code bins}
     * equal bins over {@code [min, max]} (the tensor's own minimum and maximum when both are 0),
     * element {@code v} in bin {@code (int) ((v - min) / (max - min) * bins)}, {@code max} in the last
     * bin, values outside the range ignored. Returns the counts as float32, as PyTorch does.
     *
     * <pre>{@code
     * Tensor.of(1f, 2f, 1f, 4f).histc(4, 0f, 4f);   // tensor([0., 2., 1., 1.])
     * }</pre>
     */
    public Tensor histc(int bins, float min, float max) {
        requireFloat("histc");
        if (bins < 1) {
            throw new IllegalArgumentException("histc: bins must be >= 1, got " + bins);
        }
        if (min == 0f && max == 0f && numel() > 0) {
            min = min().item();
            max = max().item();
        }
        if (min == max) {
            min -= 1f;
            max += 1f;
        }
        if (!(min < max)) {
            throw new IllegalArgumentException("histc: need min < max, got [" + min + ", " + max + "]");
        }
        Tensor c = contiguous();
        long[] counts = new long[bins];
        Int8Elementwise.histogram(c.storage.data, c.offset, numel(), min, max, counts);
        Tensor out = alloc(Shape.of(bins));
        for (int i = 0; i < bins; i++) {
            out.storage.data[i] = counts[i];
        }
        return out;
    }

    /**
     * True when shapes match and every element is within {@code atol + rtol * |other|} (NaN never
     * is). Values compare as numbers whatever the dtypes; two integer tensors compare exactly.
     */
    public boolean allClose(Tensor other, double rtol, double atol) {
        if (!shape.equals(other.shape)) {
            return false;
        }
        if (storage.dtype != DType.FLOAT32 && other.storage.dtype != DType.FLOAT32) {
            long[] x = toLongArray();
            long[] y = other.toLongArray();
            for (int i = 0; i < x.length; i++) {
                if (x[i] != y[i] && !(Math.abs((double) x[i] - y[i]) <= atol + rtol * Math.abs((double) y[i]))) {
                    return false;
                }
            }
            return true;
        }
        float[] x = toArray();
        float[] y = other.toArray();
        for (int i = 0; i < x.length; i++) {
            if (!(Math.abs(x[i] - y[i]) <= atol + rtol * Math.abs(y[i])) && !(x[i] == y[i])) {
                return false;
            }
        }
        return true;
    }

    /** Prints values like PyTorch, eliding the middle of large tensors, followed by the shape. */
    @Override
    public String toString() {
        return TensorFormat.format(this);
    }
}
