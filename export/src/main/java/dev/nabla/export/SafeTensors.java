package dev.nabla.export;

import dev.nabla.nn.Module;
import dev.nabla.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> format,
 * so PyTorch and the Hugging Face tools load Nabla's weights and Nabla loads theirs.
 *
 * <p>Layout: an unsigned 64-bit little-endian header length {@code N}; {@code N} bytes of UTF-8
 * JSON mapping each tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}}, plus an
 * optional {@code "__metadata__"} object of strings; then the raw little-endian data, offsets
 * counting from its start. Nabla writes each tensor in its own dtype under PyTorch's codes (F32,
 * I64, I32, I8, U8, BOOL; BatchNorm's {@code num_batches_tracked} is I64 as PyTorch writes it),
 * pads the header with spaces to a multiple of 8 (as the reference implementation does), records a
 * CRC-32C of the data in the metadata ({@value #CRC_KEY}) and replaces the file atomically
 * ({@link AtomicFiles}).
 *
 * <p>Reading checks everything before allocating tensor memory: the header length is bounded
 * ({@value #MAX_HEADER_BYTES} bytes, the reference limit) and must fit the file; the JSON must parse;
 * every entry needs a known dtype, a shape of non-negative integers and offsets whose length equals
 * dtype size times element count; and the entries, sorted by offset, must tile the data section
 * exactly, without gaps, overlaps or trailing bytes. A file that fails any check raises a
 * {@link FileFormatException} naming the file and the problem. F32, I64, I32, I8, U8 and BOOL are
 * read as the tensor dtypes of the same names; F16, BF16 and F64 convert to float32; I16 and U16
 * widen to int32, U32 and U64 to int64 (a U64 value beyond int64's range is an error).
 *
 * <pre>{@code
 * SafeTensors.save(model, Path.of("mlp.safetensors"));      // torch: load_file("mlp.safetensors")
 * SafeTensors.load(model, Path.of("from_pytorch.safetensors"));
 * SafeTensors.Contents c = SafeTensors.read(Path.of("mlp.safetensors"));
 * c.tensors().get("0.weight");
 * }</pre>
 */
public final class SafeTensors {
    /** Largest header accepted, as in the reference implementation. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    /** Metadata key of the CRC-32C (8 hex digits) of the data section that Nabla's writer records. */
    public static final String CRC_KEY = "nabla.data_crc32c";

    private static final String METADATA = "__metadata__";
    private static final int CHUNK = 1 << 20;

    private SafeTensors() {}

    /**
     * The element types of the format, with their sizes in bytes. A superset of Nabla's tensor
     * dtypes ({@link dev.nabla.tensor.DType}, which shares the name and is spelled out here).
     */
    public enum DType {
        BOOL(1),
        U8(1),
        I8(1),
        I16(2),
        U16(2),
        F16(2),
        BF16(2),
        I32(4),
        U32(4),
        F32(4),
        I64(8),
        U64(8),
        F64(8);

        private final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }

        public int bytes() {
            return bytes;
        }

        /** The file type Nabla writes a tensor of this dtype as. */
        public static DType of(dev.nabla.tensor.DType dtype) {
            return valueOf(dtype.safetensorsName());
        }

        /** The tensor dtype this file type is read as: itself, or the nearest type that holds it. */
        public dev.nabla.tensor.DType tensorType() {
            return switch (this) {
                case F32, F64, F16, BF16 -> dev.nabla.tensor.DType.FLOAT32;
                case I64, U32, U64 -> dev.nabla.tensor.DType.INT64;
                case I32, I16, U16 -> dev.nabla.tensor.DType.INT32;
                case I8 -> dev.nabla.tensor.DType.INT8;
                case U8 -> dev.nabla.tensor.DType.UINT8;
                case BOOL -> dev.nabla.tensor.DType.BOOL;
            };
        }
    }

    /**
     * One tensor's header entry.
     *
     * @param begin first byte of the data, counted from the start of the data section
     * @param end   one past the last byte
     */
    public record Entry(String name, DType dtype, int[] shape, long begin, long end) {
        public Entry {
            shape = shape.clone();
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        /** Number of elements. */
        public int numel() {
            int n = 1;
            for (int d : shape) {
                n *= d;
            }
            return n;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e
                    && name.equals(e.name)
                    && dtype == e.dtype
                    && Arrays.equals(shape, e.shape)
                    && begin == e.begin
                    && end == e.end;
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
        }

        @Override
        public String toString() {
            return name + ": " + dtype + " " + Arrays.toString(shape) + " [" + begin + ", " + end + ")";
        }
    }

    /**
     * A validated header.
     *
     * @param entries    in the header's order
     * @param dataOffset file position of the data section ({@code 8 + N})
     */
    public record Header(Map<String, String> metadata, List<Entry> entries, long dataOffset) {
        public Header {
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
            entries = List.copyOf(entries);
        }
    }

    /** A file's tensors (in the dtypes of {@link DType#tensorType()}, in the header's order) and metadata. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {
        public Contents {
            tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }
    }

    // =================================================================== model convenience

    /** Saves the model's state dict with the metadata {@code format: pt} that Hugging Face loaders expect. */
    public static void save(Module model, Path file) throws IOException {
        write(file, model.stateDict(), Map.of("format", "pt"));
    }

    /**
     * Loads weights into a model, strictly (every parameter and buffer present, nothing extra,
     * shapes equal). The whole file is read and checked first: on any error the model is unchanged.
     */
    public static void load(Module model, Path file) throws IOException {
        load(model, file, true);
    }

    public static void load(Module model, Path file, boolean strict) throws IOException {
        Contents c = read(file);
        try {
            model.loadStateDict(c.tensors(), strict);
        } catch (IllegalArgumentException e) {
            throw new FileFormatException(file, "does not fit the model: " + e.getMessage());
        }
    }

    // =================================================================== writing

    /**
     * Writes tensors, each in its own dtype, with string metadata (which may be empty), atomically.
     * Names must be non-empty and not {@code __metadata__}; metadata key {@value #CRC_KEY} is
     * reserved.
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        Objects.requireNonNull(tensors, "tensors");
        Objects.requireNonNull(metadata, "metadata");
        List<String> names = new ArrayList<>(tensors.keySet());
        List<Tensor> values = new ArrayList<>(names.size());
        for (String name : names) {
            if (name == null || name.isEmpty() || name.equals(METADATA)) {
                throw new IllegalArgumentException(
                        "SafeTensors.write " + file + ": invalid tensor name '" + name + "'");
            }
            values.add(
                    Objects.requireNonNull(tensors.get(name), () -> "SafeTensors.write: tensor '" + name + "' is null")
                            .contiguous());
        }
        for (var e : metadata.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException(
                        "SafeTensors.write " + file + ": metadata keys and values must not be null");
            }
            if (e.getKey().equals(CRC_KEY)) {
                throw new IllegalArgumentException("SafeTensors.write " + file + ": metadata key " + CRC_KEY
                        + " is reserved for the data checksum");
            }
        }
        // The checksum has a fixed width, so the header's length is known before the data is written.
        byte[] placeholder = header(names, values, metadata, "00000000");
        AtomicFiles.write(file, ch -> {
            long dataStart = 8L + placeholder.length;
            ch.position(dataStart);
            CRC32C crc = new CRC32C();
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            for (Tensor value : values) {
                // Streamed from the tensor's own storage, one buffer's worth at a time.
                Tensor t = value.contiguous();
                int size = t.dtype().byteSize();
                int n = t.numel();
                for (int done = 0; done < n; ) {
                    int count = Math.min(CHUNK / size, n - done);
                    buf.clear();
                    t.copyTo(buf, done, count);
                    buf.flip();
                    crc.update(buf.duplicate());
                    writeFully(ch, buf);
                    done += count;
                }
            }
            byte[] head = header(names, values, metadata, String.format("%08x", crc.getValue()));
            ByteBuffer start = ByteBuffer.allocate(8 + head.length).order(ByteOrder.LITTLE_ENDIAN);
            start.putLong(head.length).put(head).flip();
            ch.position(0);
            writeFully(ch, start);
        });
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    private static byte[] header(List<String> names, List<Tensor> values, Map<String, String> metadata, String crc) {
        StringBuilder sb = new StringBuilder("{");
        Json.quote(sb, METADATA);
        sb.append(":{");
        boolean first = true;
        for (var e : metadata.entrySet()) {
            sb.append(first ? "" : ",");
            Json.quote(sb, e.getKey());
            sb.append(':');
            Json.quote(sb, e.getValue());
            first = false;
        }
        sb.append(first ? "" : ",");
        Json.quote(sb, CRC_KEY);
        sb.append(':');
        Json.quote(sb, crc);
        sb.append('}');
        long offset = 0;
        for (int i = 0; i < names.size(); i++) {
            Tensor t = values.get(i);
            long bytes = (long) t.dtype().byteSize() * t.numel();
            sb.append(',');
            Json.quote(sb, names.get(i));
            sb.append(":{\"dtype\":\"").append(t.dtype().safetensorsName()).append("\",\"shape\":[");
            int[] dims = t.dims();
            for (int d = 0; d < dims.length; d++) {
                sb.append(d == 0 ? "" : ",").append(dims[d]);
            }
            sb.append("],\"data_offsets\":[")
                    .append(offset)
                    .append(',')
                    .append(offset + bytes)
                    .append("]}");
            offset += bytes;
        }
        sb.append('}');
        byte[] json = sb.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    // =================================================================== reading

    /** Reads and validates the header only (no tensor data is read). */
    public static Header readHeader(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return readHeader(file, ch);
        }
    }

    /**
     * Reads every tensor in its dtype ({@link DType#tensorType()}), after validating the whole
     * layout (and the checksum, if recorded).
     */
    public static Contents read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header h = readHeader(file, ch);
            String expectedCrc = h.metadata().get(CRC_KEY);
            CRC32C crc = expectedCrc == null ? null : new CRC32C();
            List<Entry> byOffset = new ArrayList<>(h.entries());
            byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
            Map<String, Tensor> loaded = new LinkedHashMap<>();
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            for (Entry e : byOffset) {
                loaded.put(e.name(), readTensor(file, ch, h.dataOffset(), e, buf, crc));
            }
            if (crc != null && !String.format("%08x", crc.getValue()).equals(expectedCrc)) {
                throw new FileFormatException(
                        file,
                        "the data does not match its recorded checksum " + CRC_KEY + " = "
                                + expectedCrc + " (computed " + String.format("%08x", crc.getValue())
                                + "): the file is corrupted");
            }
            Map<String, Tensor> ordered = new LinkedHashMap<>();
            for (Entry e : h.entries()) {
                ordered.put(e.name(), loaded.get(e.name()));
            }
            return new Contents(ordered, h.metadata());
        }
    }

    private static Tensor readTensor(Path file, FileChannel ch, long dataOffset, Entry e, ByteBuffer buf, CRC32C crc)
            throws IOException {
        int n = e.numel();
        dev.nabla.tensor.DType type = e.dtype().tensorType();
        Object out = switch (type) {
            case FLOAT32 -> new float[n];
            case INT64 -> new long[n];
            case INT32 -> new int[n];
            case INT8, UINT8, BOOL -> new byte[n];
        };
        int size = e.dtype().bytes();
        int perChunk = CHUNK / size;
        long pos = dataOffset + e.begin();
        for (int done = 0; done < n; ) {
            int count = Math.min(perChunk, n - done);
            buf.clear().limit(count * size);
            while (buf.hasRemaining()) {
                int r = ch.read(buf, pos + buf.position());
                if (r < 0) {
                    throw new FileFormatException(
                            file, "ended while reading tensor '" + e.name() + "' (the file shrank while being read?)");
                }
            }
            buf.flip();
            if (crc != null) {
                crc.update(buf.duplicate());
            }
            convert(file, e, buf, out, done, count);
            pos += (long) count * size;
            done += count;
        }
        int[] shape = e.shape();
        return switch (type) {
            case FLOAT32 -> Tensor.wrap((float[]) out, shape);
            case INT64 -> Tensor.fromArray((long[]) out, shape);
            case INT32 -> Tensor.fromArray((int[]) out, shape);
            case INT8, UINT8, BOOL -> Tensor.fromArray((byte[]) out, type, shape);
        };
    }

    /** Elements {@code at .. at+count-1} of entry {@code e} from {@code b} into {@code out}, an array of its tensor type. */
    private static void convert(Path file, Entry e, ByteBuffer b, Object out, int at, int count)
            throws FileFormatException {
        switch (e.dtype()) {
            case F32 -> b.asFloatBuffer().get((float[]) out, at, count);
            case F64 -> {
                var d = b.asDoubleBuffer();
                float[] o = (float[]) out;
                for (int i = 0; i < count; i++) {
                    o[at + i] = (float) d.get(i);
                }
            }
            case F16 -> {
                var s = b.asShortBuffer();
                float[] o = (float[]) out;
                for (int i = 0; i < count; i++) {
                    o[at + i] = Float.float16ToFloat(s.get(i));
                }
            }
            case BF16 -> {
                var s = b.asShortBuffer();
                float[] o = (float[]) out;
                for (int i = 0; i < count; i++) {
                    o[at + i] = Float.intBitsToFloat((s.get(i) & 0xFFFF) << 16);
                }
            }
            case I64 -> b.asLongBuffer().get((long[]) out, at, count);
            case U64 -> {
                var l = b.asLongBuffer();
                long[] o = (long[]) out;
                for (int i = 0; i < count; i++) {
                    long v = l.get(i);
                    if (v < 0) {
                        throw new FileFormatException(
                                file,
                                "tensor '" + e.name() + "' holds the U64 value " + Long.toUnsignedString(v)
                                        + " at element " + (at + i)
                                        + ", beyond the range of int64 (Nabla has no uint64 tensors)");
                    }
                    o[at + i] = v;
                }
            }
            case U32 -> {
                var x = b.asIntBuffer();
                long[] o = (long[]) out;
                for (int i = 0; i < count; i++) {
                    o[at + i] = x.get(i) & 0xFFFF_FFFFL;
                }
            }
            case I32 -> b.asIntBuffer().get((int[]) out, at, count);
            case I16 -> {
                var s = b.asShortBuffer();
                int[] o = (int[]) out;
                for (int i = 0; i < count; i++) {
                    o[at + i] = s.get(i);
                }
            }
            case U16 -> {
                var s = b.asShortBuffer();
                int[] o = (int[]) out;
                for (int i = 0; i < count; i++) {
                    o[at + i] = s.get(i) & 0xFFFF;
                }
            }
            case I8, U8, BOOL -> b.get((byte[]) out, at, count);
        }
    }

    private static Header readHeader(Path file, FileChannel ch) throws IOException {
        long fileSize = ch.size();
        if (fileSize < 8) {
            throw new FileFormatException(
                    file,
                    "is " + fileSize + " bytes long, too short for the 8-byte header length "
                            + "a safetensors file starts with");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, ch, lenBuf, 0);
        long n = lenBuf.flip().getLong();
        if (n < 2 || n > MAX_HEADER_BYTES) {
            throw new FileFormatException(
                    file,
                    "header length " + Long.toUnsignedString(n) + " is outside 2.." + MAX_HEADER_BYTES
                            + " bytes (not a safetensors file, or a corrupted one)");
        }
        if (n > fileSize - 8) {
            throw new FileFormatException(
                    file,
                    "header length " + n + " runs past the end of the file (" + fileSize
                            + " bytes): the file is truncated or not a safetensors file");
        }
        ByteBuffer raw = ByteBuffer.allocate((int) n);
        readFully(file, ch, raw, 8);
        raw.flip();
        String text;
        try {
            CharBuffer chars = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(raw);
            text = chars.toString();
        } catch (CharacterCodingException e) {
            throw new FileFormatException(file, "header is not valid UTF-8");
        }
        if (!text.startsWith("{")) {
            throw new FileFormatException(file, "header does not start with '{' (not a safetensors file)");
        }
        Object parsed;
        try {
            parsed = Json.parse(text);
        } catch (Json.SyntaxError e) {
            throw new FileFormatException(file, "header is not valid JSON: " + e.getMessage());
        }
        if (!(parsed instanceof Map<?, ?> top)) {
            throw new FileFormatException(file, "header is not a JSON object");
        }
        long dataLength = fileSize - 8 - n;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (var kv : top.entrySet()) {
            String name = (String) kv.getKey();
            if (name.equals(METADATA)) {
                readMetadata(file, kv.getValue(), metadata);
            } else {
                entries.add(entry(file, name, kv.getValue()));
            }
        }
        checkTiling(file, entries, dataLength);
        return new Header(metadata, entries, 8 + n);
    }

    private static void readFully(Path file, FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf, pos + buf.position()) < 0) {
                throw new FileFormatException(
                        file, "ended while reading the header (the file shrank while being read?)");
            }
        }
    }

    private static void readMetadata(Path file, Object value, Map<String, String> out) throws FileFormatException {
        if (!(value instanceof Map<?, ?> m)) {
            throw new FileFormatException(file, "__metadata__ is not an object of strings");
        }
        for (var e : m.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new FileFormatException(
                        file,
                        "__metadata__ entry '" + e.getKey() + "' is " + describe(e.getValue())
                                + ", but metadata values must be strings");
            }
            out.put((String) e.getKey(), s);
        }
    }

    private static Entry entry(Path file, String name, Object value) throws FileFormatException {
        if (!(value instanceof Map<?, ?> m)) {
            throw new FileFormatException(
                    file,
                    "tensor '" + name + "' is " + describe(value)
                            + ", not an object with dtype, shape and data_offsets");
        }
        for (Object k : m.keySet()) {
            if (!k.equals("dtype") && !k.equals("shape") && !k.equals("data_offsets")) {
                throw new FileFormatException(file, "tensor '" + name + "' has an unknown field '" + k + "'");
            }
        }
        if (!(m.get("dtype") instanceof String dt)) {
            throw new FileFormatException(file, "tensor '" + name + "' has no dtype string");
        }
        DType dtype;
        try {
            dtype = DType.valueOf(dt);
        } catch (IllegalArgumentException e) {
            throw new FileFormatException(
                    file,
                    "tensor '" + name + "' has dtype " + dt + ", which Nabla does not read " + "(it reads "
                            + Arrays.toString(DType.values()) + ")");
        }
        if (!(m.get("shape") instanceof List<?> shapeList)) {
            throw new FileFormatException(file, "tensor '" + name + "' has no shape array");
        }
        int[] shape = new int[shapeList.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            Object d = shapeList.get(i);
            if (!(d instanceof Long l) || l < 0 || l > Integer.MAX_VALUE) {
                throw new FileFormatException(
                        file,
                        "tensor '" + name + "' has shape " + shapeList + ": dimension " + i
                                + " is not an integer in 0.." + Integer.MAX_VALUE);
            }
            shape[i] = (int) (long) l;
            numel *= l;
            if (numel > Integer.MAX_VALUE) {
                throw new FileFormatException(
                        file,
                        "tensor '" + name + "' has shape " + shapeList + ", more than " + Integer.MAX_VALUE
                                + " elements (the most a Nabla tensor holds)");
            }
        }
        if (!(m.get("data_offsets") instanceof List<?> offs)
                || offs.size() != 2
                || !(offs.get(0) instanceof Long begin)
                || !(offs.get(1) instanceof Long end)
                || begin < 0
                || end < begin) {
            throw new FileFormatException(
                    file,
                    "tensor '" + name + "' needs data_offsets [begin, end] with " + "0 <= begin <= end, got "
                            + m.get("data_offsets"));
        }
        long need = numel * dtype.bytes();
        if (end - begin != need) {
            throw new FileFormatException(
                    file,
                    "tensor '" + name + "' has data_offsets [" + begin + ", " + end + "] (" + (end - begin)
                            + " bytes) but " + dtype + " " + shapeList + " needs " + need + " bytes");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** Sorted by offset, the entries must cover the data section exactly once. */
    private static void checkTiling(Path file, List<Entry> entries, long dataLength) throws FileFormatException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long at = 0;
        Entry prev = null;
        for (Entry e : sorted) {
            if (e.begin() > at) {
                throw new FileFormatException(
                        file,
                        "bytes " + at + ".." + e.begin() + " of the data belong to no tensor " + "(a gap before '"
                                + e.name() + "')");
            }
            if (e.begin() < at) {
                throw new FileFormatException(
                        file,
                        "tensors '" + prev.name() + "' and '" + e.name() + "' overlap (data " + "offsets ["
                                + prev.begin() + ", " + prev.end() + "] and [" + e.begin() + ", " + e.end() + "])");
            }
            if (e.end() > dataLength) {
                throw new FileFormatException(
                        file,
                        "tensor '" + e.name() + "' ends at data byte " + e.end() + " but the data section holds "
                                + dataLength + " bytes: the file is truncated");
            }
            at = e.end();
            prev = e;
        }
        if (at != dataLength) {
            throw new FileFormatException(
                    file,
                    "the data section holds " + dataLength + " bytes but the tensors cover " + at + " ("
                            + (dataLength - at) + " bytes unaccounted for)");
        }
    }

    private static String describe(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof String) {
            return "a string";
        }
        if (v instanceof Map) {
            return "an object";
        }
        if (v instanceof List) {
            return "an array";
        }
        if (v instanceof Boolean) {
            return "a boolean";
        }
        return "a number";
    }
}
