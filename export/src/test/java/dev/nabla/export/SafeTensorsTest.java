package dev.nabla.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.autograd.Variable;
import dev.nabla.nn.BatchNorm1d;
import dev.nabla.nn.Linear;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SafeTensorsTest {
    @TempDir
    Path dir;

    private static Map<String, Tensor> sample() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("a.weight", Tensor.randn(new Generator(1), 3, 4));
        m.put("a.bias", Tensor.of(1, -2, 3));
        m.put("scalar", Tensor.scalar(7.5f));
        m.put("empty", Tensor.zeros(0, 5));
        m.put("cube", Tensor.arange(24).reshape(2, 3, 4));
        m.put(
                "special",
                Tensor.of(
                        Float.NaN,
                        Float.POSITIVE_INFINITY,
                        Float.NEGATIVE_INFINITY,
                        -0f,
                        Float.MIN_VALUE,
                        Float.MAX_VALUE,
                        Float.intBitsToFloat(0x7fc01234)));
        return m;
    }

    /** One tensor of every dtype, with each type's extreme values, a scalar, an empty one and a strided view. */
    private static Map<String, Tensor> everyDtype() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("f32", Tensor.of(1.5f, Float.NaN, -0f));
        m.put("i64", Tensor.ofLongs(Long.MIN_VALUE, -1, 0, Long.MAX_VALUE, (1L << 53) + 1));
        m.put("i32", Tensor.ofInts(Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE));
        m.put("i8", Tensor.fromArray(new byte[] {-128, -1, 0, 127}, 2, 2));
        m.put("u8", Tensor.fromArray(new byte[] {0, 1, (byte) 128, (byte) 255}, DType.UINT8, 4));
        m.put("mask", Tensor.ofBools(true, false, true));
        m.put("bn.num_batches_tracked", Tensor.full(DType.INT64, 7L));
        m.put("empty", Tensor.zeros(DType.INT32, 0, 3));
        m.put("transposed", Tensor.ofLongs(1, 2, 3, 4, 5, 6).reshape(2, 3).t());
        return m;
    }

    private static void assertBitwiseEqual(Map<String, Tensor> expected, Map<String, Tensor> actual) {
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(actual.keySet()));
        expected.forEach((k, t) -> {
            assertEquals(t.shape(), actual.get(k).shape(), k);
            assertEquals(t.dtype(), actual.get(k).dtype(), k);
            if (t.dtype() != DType.FLOAT32) {
                assertArrayEquals(t.toLongArray(), actual.get(k).toLongArray(), k);
                return;
            }
            float[] e = t.toArray();
            float[] a = actual.get(k).toArray();
            for (int i = 0; i < e.length; i++) {
                assertEquals(Float.floatToRawIntBits(e[i]), Float.floatToRawIntBits(a[i]), k + "[" + i + "]");
            }
        });
    }

    @Test
    void roundTripKeepsNamesOrderShapesBitsAndMetadata() throws IOException {
        Path f = dir.resolve("t.safetensors");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("note", "quote \" backslash \\ newline \n tab \t unicode é 漢 \u0001");
        SafeTensors.write(f, sample(), meta);
        SafeTensors.Contents c = SafeTensors.read(f);
        assertBitwiseEqual(sample(), c.tensors());
        assertEquals("pt", c.metadata().get("format"));
        assertEquals(meta.get("note"), c.metadata().get("note"));
        assertTrue(c.metadata().containsKey(SafeTensors.CRC_KEY));
    }

    @Test
    void everyDtypeRoundTripsExactlyUnderPyTorchsCode() throws IOException {
        Path f = dir.resolve("dtypes.safetensors");
        SafeTensors.write(f, everyDtype(), Map.of());
        assertBitwiseEqual(everyDtype(), SafeTensors.read(f).tensors());
        Map<String, SafeTensors.DType> codes = new LinkedHashMap<>();
        for (SafeTensors.Entry e : SafeTensors.readHeader(f).entries()) {
            codes.put(e.name(), e.dtype());
            assertEquals((long) e.numel() * e.dtype().bytes(), e.end() - e.begin(), e.name() + ": bytes per element");
        }
        assertEquals(SafeTensors.DType.F32, codes.get("f32"));
        assertEquals(SafeTensors.DType.I64, codes.get("i64"));
        assertEquals(SafeTensors.DType.I32, codes.get("i32"));
        assertEquals(SafeTensors.DType.I8, codes.get("i8"));
        assertEquals(SafeTensors.DType.U8, codes.get("u8"));
        assertEquals(SafeTensors.DType.BOOL, codes.get("mask"));
        assertEquals(SafeTensors.DType.I64, codes.get("bn.num_batches_tracked"));
        for (DType d : DType.values()) {
            assertEquals(d, SafeTensors.DType.of(d).tensorType(), d + " reads back as itself");
        }
        // A file cut short anywhere is still refused, whatever its dtypes.
        byte[] b = Files.readAllBytes(f);
        for (int len : new int[] {b.length - 1, b.length - 8, b.length / 2}) {
            Path cut = dir.resolve("cut.safetensors");
            Files.write(cut, Arrays.copyOf(b, len));
            assertThrows(FileFormatException.class, () -> SafeTensors.read(cut), "cut to " + len + " bytes");
        }
    }

    @Test
    void integerLayoutIsLittleEndianAndBoolIsOneByte() throws IOException {
        Path f = dir.resolve("t.safetensors");
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("l", Tensor.ofLongs(-2, 0x0102030405060708L));
        m.put("z", Tensor.ofBools(true, false));
        SafeTensors.write(f, m, Map.of());
        byte[] b = Files.readAllBytes(f);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long n = bb.getLong();
        String header = new String(b, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.contains("\"l\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}"), header);
        assertTrue(header.contains("\"z\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[16,18]}"), header);
        bb.position((int) (8 + n));
        assertEquals(-2L, bb.getLong());
        assertEquals(0x08, bb.get(), "least significant byte first");
        bb.position(bb.position() + 7);
        assertEquals(1, bb.get());
        assertEquals(0, bb.get());
        assertEquals(b.length, bb.position());
    }

    @Test
    void layoutIsTheSafetensorsLayout() throws IOException {
        Path f = dir.resolve("t.safetensors");
        SafeTensors.write(f, Map.of("x", Tensor.of(1.5f, -2f)), Map.of());
        byte[] b = Files.readAllBytes(f);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long n = bb.getLong();
        assertEquals(0, n % 8, "header padded to a multiple of 8");
        String header = new String(b, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{") && header.stripTrailing().endsWith("}"), header);
        assertTrue(header.contains("\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}"), header);
        assertEquals(8 + n + 8, b.length);
        bb.position((int) (8 + n));
        assertEquals(1.5f, bb.getFloat());
        assertEquals(-2f, bb.getFloat());
    }

    @Test
    void nonContiguousTensorsAreWrittenInLogicalOrder() throws IOException {
        Path f = dir.resolve("t.safetensors");
        Tensor t = Tensor.arange(6).reshape(2, 3).t();
        SafeTensors.write(f, Map.of("t", t), Map.of());
        assertArrayEquals(t.toArray(), SafeTensors.read(f).tensors().get("t").toArray());
    }

    @Test
    void readHeaderDescribesEntriesWithoutReadingData() throws IOException {
        Path f = dir.resolve("t.safetensors");
        SafeTensors.write(f, sample(), Map.of());
        SafeTensors.Header h = SafeTensors.readHeader(f);
        assertEquals(
                new SafeTensors.Entry("a.weight", SafeTensors.DType.F32, new int[] {3, 4}, 0, 48),
                h.entries().get(0));
        assertEquals(6, h.entries().size());
    }

    @Test
    void modelSaveAndStrictLoad() throws IOException {
        Sequential a =
                new Sequential(new Linear(4, 3, new Generator(1)), new ReLU(), new Linear(3, 2, new Generator(2)));
        Sequential b =
                new Sequential(new Linear(4, 3, new Generator(3)), new ReLU(), new Linear(3, 2, new Generator(4)));
        Path f = dir.resolve("m.safetensors");
        SafeTensors.save(a, f);
        SafeTensors.load(b, f);
        assertBitwiseEqual(a.stateDict(), b.stateDict());
        assertEquals("pt", SafeTensors.readHeader(f).metadata().get("format"));
    }

    @Test
    void aFileThatDoesNotFitTheModelLeavesItUnchanged() throws IOException {
        Sequential m = new Sequential(new Linear(4, 3, new Generator(1)));
        Map<String, Tensor> before = new LinkedHashMap<>();
        m.stateDict().forEach((k, t) -> before.put(k, t.copy()));
        Path f = dir.resolve("wrong.safetensors");
        SafeTensors.write(f, Map.of("0.weight", Tensor.zeros(3, 4), "0.bias", Tensor.zeros(4)), Map.of());
        FileFormatException e = assertThrows(FileFormatException.class, () -> SafeTensors.load(m, f));
        assertTrue(
                e.getMessage().contains("wrong.safetensors") && e.getMessage().contains("0.bias"), e.getMessage());
        assertBitwiseEqual(before, m.stateDict());
        // and a corrupt file never reaches the model either
        byte[] b = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(b, b.length - 1));
        assertThrows(FileFormatException.class, () -> SafeTensors.load(m, f));
        assertBitwiseEqual(before, m.stateDict());
    }

    @Test
    void writingReplacesAtomicallyAndLeavesNoTemporaryFiles() throws IOException {
        Path f = dir.resolve("t.safetensors");
        SafeTensors.write(f, Map.of("x", Tensor.of(1)), Map.of());
        SafeTensors.write(f, Map.of("y", Tensor.of(2, 3)), Map.of());
        assertEquals(List.of("y"), List.copyOf(SafeTensors.read(f).tensors().keySet()));
        byte[] before = Files.readAllBytes(f);
        IOException failure = assertThrows(
                IOException.class,
                () -> AtomicFiles.write(f, ch -> {
                    ch.write(ByteBuffer.wrap(new byte[100]));
                    throw new IOException("disk full (simulated)");
                }));
        // the message names the file (the JDK's "No space left on device" does not) and keeps the cause
        assertEquals(
                f + ": could not be written (disk full (simulated)); the file was left as it was",
                failure.getMessage());
        assertEquals("disk full (simulated)", failure.getCause().getMessage());
        assertArrayEquals(before, Files.readAllBytes(f));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(f), files.toList());
        }
        // Permissions are the usual ones for a new file, not a temporary file's owner-only ones.
        Path plain = Files.createFile(dir.resolve("plain"));
        if (plain.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(f));
        }
        Files.delete(plain);
        assertThrows(
                IllegalArgumentException.class,
                () -> SafeTensors.write(f, Map.of("x", Tensor.of(1)), Map.of(SafeTensors.CRC_KEY, "0")));
        assertThrows(
                IllegalArgumentException.class,
                () -> SafeTensors.write(f, Map.of("__metadata__", Tensor.of(1)), Map.of()));
    }

    // =================================================================== reading other writers' files

    /** A file with the given header text (padded to 8 bytes) and data bytes. */
    private Path file(String name, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return raw(name, h.length, h, data);
    }

    private Path raw(String name, long headerLength, byte[] header, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(header).put(data);
        Path f = dir.resolve(name);
        Files.write(f, b.array());
        return f;
    }

    private static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    @Test
    void readsEveryDtype() throws IOException {
        ByteBuffer d = ByteBuffer.allocate(2 + 2 + 8 + 8 + 4 + 1 + 1 + 2).order(ByteOrder.LITTLE_ENDIAN);
        d.putShort(Float.floatToFloat16(1.5f)); // F16
        d.putShort((short) (Float.floatToRawIntBits(-3.25f) >>> 16)); // BF16
        d.putDouble(0.1); // F64
        d.putLong(-123456789L); // I64
        d.putInt(77); // I32
        d.put((byte) -5); // I8
        d.put((byte) 1); // BOOL
        d.putShort((short) 0xFFFF); // U16
        String h = "{\"h\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[2,4]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[4,12]},"
                + "\"l\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[12,20]},"
                + "\"i\":{\"dtype\":\"I32\",\"shape\":[1,1],\"data_offsets\":[20,24]},"
                + "\"c\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[24,25]},"
                + "\"z\":{\"dtype\":\"BOOL\",\"shape\":[1],\"data_offsets\":[25,26]},"
                + "\"u\":{\"dtype\":\"U16\",\"shape\":[1],\"data_offsets\":[26,28]}}";
        Map<String, Tensor> t =
                SafeTensors.read(file("dtypes.safetensors", h, d.array())).tensors();
        assertEquals(1.5f, t.get("h").item());
        assertEquals(-3.25f, t.get("b").item());
        assertEquals(0.1f, t.get("d").item());
        assertEquals(-123456789f, t.get("l").item());
        assertEquals(0, t.get("l").dim());
        assertEquals(77f, t.get("i").item());
        assertEquals(-5f, t.get("c").item());
        assertEquals(1f, t.get("z").item());
        assertEquals(65535f, t.get("u").item());
        // Floating types become float32; integer types keep their own or widen to one that holds them.
        for (String k : List.of("h", "b", "d")) {
            assertEquals(DType.FLOAT32, t.get(k).dtype(), k);
        }
        assertEquals(DType.INT64, t.get("l").dtype());
        assertEquals(-123456789L, t.get("l").itemLong());
        assertEquals(DType.INT32, t.get("i").dtype());
        assertEquals(DType.INT8, t.get("c").dtype());
        assertEquals(DType.BOOL, t.get("z").dtype());
        assertEquals(DType.INT32, t.get("u").dtype(), "U16 widens to int32");
        assertEquals(65535L, t.get("u").itemLong());
    }

    @Test
    void unsignedWideTypesWidenAndOutOfRangeU64IsRefused() throws IOException {
        ByteBuffer d = ByteBuffer.allocate(4 + 8 + 2 + 1 + 1).order(ByteOrder.LITTLE_ENDIAN);
        d.putInt(-1); // U32 4294967295
        d.putLong(Long.MAX_VALUE); // U64, the largest that fits int64
        d.putShort((short) -2); // I16
        d.put((byte) 200); // U8
        d.put((byte) 2); // BOOL stored as 2: true
        String h = "{\"u32\":{\"dtype\":\"U32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"u64\":{\"dtype\":\"U64\",\"shape\":[1],\"data_offsets\":[4,12]},"
                + "\"i16\":{\"dtype\":\"I16\",\"shape\":[1],\"data_offsets\":[12,14]},"
                + "\"u8\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[14,15]},"
                + "\"z\":{\"dtype\":\"BOOL\",\"shape\":[1],\"data_offsets\":[15,16]}}";
        Map<String, Tensor> t =
                SafeTensors.read(file("wide.safetensors", h, d.array())).tensors();
        assertEquals(DType.INT64, t.get("u32").dtype());
        assertEquals(4294967295L, t.get("u32").itemLong());
        assertEquals(DType.INT64, t.get("u64").dtype());
        assertEquals(Long.MAX_VALUE, t.get("u64").itemLong());
        assertEquals(DType.INT32, t.get("i16").dtype());
        assertEquals(-2L, t.get("i16").itemLong());
        assertEquals(DType.UINT8, t.get("u8").dtype());
        assertEquals(200L, t.get("u8").itemLong());
        assertArrayEquals(new byte[] {1}, t.get("z").toByteArray());
        ByteBuffer big = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        big.putLong(3).putLong(-1); // the second is 2^64 - 1 as U64
        Path f = file(
                "u64.safetensors", "{\"ids\":{\"dtype\":\"U64\",\"shape\":[2],\"data_offsets\":[0,16]}}", big.array());
        FileFormatException e = assertThrows(FileFormatException.class, () -> SafeTensors.read(f));
        assertTrue(
                e.getMessage().contains(f.toString())
                        && e.getMessage().contains("'ids'")
                        && e.getMessage().contains("18446744073709551615")
                        && e.getMessage().contains("element 1"),
                e.getMessage());
    }

    @Test
    void batchNormCountsAreSavedAsI64AndLoadBack() throws IOException {
        Sequential a = new Sequential(new Linear(4, 3, new Generator(1)), new BatchNorm1d(3));
        a.call(Variable.randn(new Generator(2), 5, 4));
        a.call(Variable.randn(new Generator(3), 5, 4));
        Path f = dir.resolve("bn.safetensors");
        SafeTensors.save(a, f);
        SafeTensors.Entry count = SafeTensors.readHeader(f).entries().stream()
                .filter(e -> e.name().equals("1.num_batches_tracked"))
                .findFirst()
                .orElseThrow();
        assertEquals(SafeTensors.DType.I64, count.dtype());
        assertEquals(0, count.shape().length);
        Sequential b = new Sequential(new Linear(4, 3, new Generator(4)), new BatchNorm1d(3));
        SafeTensors.load(b, f);
        assertBitwiseEqual(a.stateDict(), b.stateDict());
        assertEquals(2L, b.stateDict().get("1.num_batches_tracked").itemLong());
        // A weight file of the wrong dtype does not fit, and the message names the entry.
        Map<String, Tensor> wrong = new LinkedHashMap<>(a.stateDict());
        wrong.put("1.running_mean", Tensor.ofLongs(0, 0, 0));
        Path g = dir.resolve("wrong.safetensors");
        SafeTensors.write(g, wrong, Map.of());
        FileFormatException e = assertThrows(FileFormatException.class, () -> SafeTensors.load(b, g));
        assertTrue(e.getMessage().contains("1.running_mean (expected float32, got int64)"), e.getMessage());
    }

    @Test
    void acceptsAHeaderWithoutMetadataAndWithSpacesAndAnEmptyFile() throws IOException {
        Path f = file(
                "plain.safetensors",
                " {\"x\" : {\"shape\":[2], \"dtype\":\"F32\", \"data_offsets\":[0,8]}}   ".strip() + "   ",
                floats(1, 2));
        assertArrayEquals(
                new float[] {1, 2}, SafeTensors.read(f).tensors().get("x").toArray());
        assertEquals(
                Map.of(),
                SafeTensors.read(file("none.safetensors", "{}", new byte[0])).tensors());
    }

    static Stream<Arguments> corruptHeaders() {
        String ok = "\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
        return Stream.of(
                Arguments.of("wrong dtype", "{\"x\":{\"dtype\":\"F17\",\"shape\":[2],\"data_offsets\":[0,8]}}", "F17"),
                Arguments.of(
                        "unsupported dtype",
                        "{\"x\":{\"dtype\":\"F8_E4M3\",\"shape\":[8],\"data_offsets\":[0,8]}}",
                        "F8_E4M3"),
                Arguments.of(
                        "offsets out of range",
                        "{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}",
                        "truncated"),
                Arguments.of(
                        "overlapping offsets",
                        "{" + ok + ",\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                        "overlap"),
                Arguments.of(
                        "gap between tensors",
                        "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                        "gap"),
                Arguments.of(
                        "bytes after the last tensor",
                        "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                        "unaccounted"),
                Arguments.of(
                        "offsets disagree with dtype and shape",
                        "{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}",
                        "needs 12 bytes"),
                Arguments.of(
                        "end before begin",
                        "{\"x\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}",
                        "data_offsets"),
                Arguments.of(
                        "negative dimension",
                        "{\"x\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}",
                        "dimension 0"),
                Arguments.of(
                        "fractional dimension",
                        "{\"x\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}",
                        "dimension 0"),
                Arguments.of(
                        "too many elements",
                        "{\"x\":{\"dtype\":\"F32\",\"shape\":[100000,100000],\"data_offsets\":[0,8]}}",
                        "elements"),
                Arguments.of("missing data_offsets", "{\"x\":{\"dtype\":\"F32\",\"shape\":[2]}}", "data_offsets"),
                Arguments.of(
                        "unknown field",
                        "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"z\":1}}",
                        "unknown field"),
                Arguments.of("entry not an object", "{\"x\":[1,2]}", "not an object"),
                Arguments.of("metadata not strings", "{\"__metadata__\":{\"k\":1}," + ok + "}", "must be strings"),
                Arguments.of("truncated JSON", "{" + ok, "not valid JSON"),
                Arguments.of("trailing garbage", "{" + ok + "} x", "not valid JSON"),
                Arguments.of("missing comma", "{" + ok + " \"y\":1}", "not valid JSON"),
                Arguments.of("bad escape", "{\"x\\q\":1}", "invalid escape"),
                Arguments.of("duplicate key", "{" + ok + "," + ok + "}", "duplicate key"),
                Arguments.of("deep nesting", "{\"x\":" + "[".repeat(5000) + "]".repeat(5000) + "}", "nested deeper"),
                Arguments.of("not an object", "[1, 2]", "start with '{'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corruptHeaders")
    void malformedHeadersAreRejectedNamingTheFileAndProblem(String what, String header, String expected)
            throws IOException {
        Path f = file("bad.safetensors", header, floats(1, 2));
        FileFormatException e = assertThrows(FileFormatException.class, () -> SafeTensors.read(f), what);
        assertTrue(
                e.getMessage().startsWith(f.toString()) && e.getMessage().contains(expected),
                what + ": " + e.getMessage());
    }

    @Test
    void invalidUtf8InTheHeaderIsRejected() throws IOException {
        byte[] h = "{\"x\":1}".getBytes(StandardCharsets.UTF_8);
        h[2] = (byte) 0xC3; // a lead byte without its continuation
        Path f = raw("utf8.safetensors", h.length, h, new byte[0]);
        FileFormatException e = assertThrows(FileFormatException.class, () -> SafeTensors.read(f));
        assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
    }

    @Test
    void badHeaderLengthsAreRejectedWithoutHugeAllocations() throws IOException {
        byte[] h = "{}".getBytes(StandardCharsets.UTF_8);
        for (long n : new long[] {0, 1, 3, 1L << 40, Long.MAX_VALUE, -1L, SafeTensors.MAX_HEADER_BYTES + 1}) {
            Path f = raw("len.safetensors", n, h, new byte[0]);
            FileFormatException e = assertThrows(FileFormatException.class, () -> SafeTensors.read(f), "length " + n);
            assertTrue(e.getMessage().contains("header length"), e.getMessage());
        }
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3, 4, 5});
        FileFormatException e = assertThrows(FileFormatException.class, () -> SafeTensors.read(tiny));
        assertTrue(e.getMessage().contains("too short"), e.getMessage());
    }

    @Test
    void filesCutShortAnywhereAreRejected() throws IOException {
        Path f = dir.resolve("full.safetensors");
        SafeTensors.write(f, sample(), Map.of());
        byte[] b = Files.readAllBytes(f);
        for (int len : new int[] {0, 7, 8, 20, 100, b.length / 2, b.length - 4, b.length - 1}) {
            Path cut = dir.resolve("cut.safetensors");
            Files.write(cut, Arrays.copyOf(b, len));
            assertThrows(FileFormatException.class, () -> SafeTensors.read(cut), "cut to " + len + " bytes");
        }
    }

    @Test
    void aFlippedDataBitFailsTheChecksum() throws IOException {
        Path f = dir.resolve("t.safetensors");
        SafeTensors.write(f, sample(), Map.of());
        byte[] b = Files.readAllBytes(f);
        b[b.length - 3] ^= 0x10;
        Files.write(f, b);
        FileFormatException e = assertThrows(FileFormatException.class, () -> SafeTensors.read(f));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }
}
