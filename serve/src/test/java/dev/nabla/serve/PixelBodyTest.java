package dev.nabla.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.nabla.export.Json;
import dev.nabla.nn.data.ChannelStats;
import dev.nabla.nn.data.Preprocessing;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fast path for pixel-array bodies against the general one ({@link Json#parse} and
 * {@link Instances}) as the oracle: the same inputs, bit for bit, for every shape it accepts, and
 * null (the general path then answers) for everything else.
 */
class PixelBodyTest {
    private static final Preprocessing GRAY =
            new Preprocessing(1, 4, 3, new ChannelStats(new float[] {0.13f}, new float[] {0.31f}), List.of());
    private static final Preprocessing RGB = new Preprocessing(
            3, 2, 5, new ChannelStats(new float[] {0.4f, 0.5f, 0.6f}, new float[] {0.2f, 0.25f, 0.3f}), List.of());

    private static PixelBody.Parsed fast(String body, Preprocessing pre) {
        return PixelBody.parse(body.getBytes(StandardCharsets.UTF_8), pre, 8);
    }

    private static float[] general(String body, Preprocessing pre) throws Exception {
        return Instances.prepare((List<?>) ((Map<?, ?>) Json.parse(body)).get("instances"), pre);
    }

    /** Pixel values of one image nested as {@code shape}, with {@code random} values 0..255. */
    private static Object nested(Random random, int... shape) {
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < shape[0]; i++) {
            out.add(
                    shape.length == 1
                            ? (Object) (long) random.nextInt(256)
                            : nested(random, java.util.Arrays.copyOfRange(shape, 1, shape.length)));
        }
        return out;
    }

    @Test
    void everyAcceptedShapeGivesTheGeneralPathsInputs() throws Exception {
        Random random = new Random(1);
        for (var c : List.of(
                Map.entry(GRAY, new int[] {1, 4, 3}),
                Map.entry(GRAY, new int[] {4, 3}),
                Map.entry(GRAY, new int[] {12}),
                Map.entry(RGB, new int[] {3, 2, 5}),
                Map.entry(RGB, new int[] {2, 5, 3}),
                Map.entry(RGB, new int[] {30}))) {
            for (int n = 1; n <= 3; n++) {
                List<Object> instances = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    instances.add(nested(random, c.getValue()));
                }
                String body = Json.write(Map.of("instances", instances));
                PixelBody.Parsed parsed = fast(body, c.getKey());
                assertNotNull(parsed, body);
                assertEquals(n, parsed.count());
                assertArrayEquals(general(body, c.getKey()), parsed.inputs(), body);
            }
        }
        // Whitespace anywhere JSON allows it, top_k and the one signature name.
        String spaced = " {\n\t\"top_k\" : 3 , \"instances\" :[ [ 0 ,1,2, 3,4,5,6,7,8,9,10, 255 ] ] ,"
                + "\"signature_name\":\"serving_default\" }\r\n";
        PixelBody.Parsed parsed = fast(spaced, GRAY);
        assertNotNull(parsed);
        assertEquals(3L, parsed.topK());
        assertArrayEquals(general(spaced, GRAY), parsed.inputs());
    }

    @Test
    void anythingElseIsLeftToTheGeneralPath() {
        String twelve = "[0,1,2,3,4,5,6,7,8,9,10,11]";
        for (String body : List.of(
                "",
                "[]",
                "{}",
                "{\"instances\": []}",
                "{\"instances\": [[0,1,2,3,4,5,6,7,8,9,10,11.5]]}", // fractional: the float path
                "{\"instances\": [[0,1,2,3,4,5,6,7,8,9,10,11.0]]}",
                "{\"instances\": [[0,1,2,3,4,5,6,7,8,9,10,1e1]]}",
                "{\"instances\": [[0,1,2,3,4,5,6,7,8,9,10,256]]}",
                "{\"instances\": [[0,1,2,3,4,5,6,7,8,9,10,-1]]}",
                "{\"instances\": [[0,1,2,3,4,5,6,7,8,9,10,011]]}",
                "{\"instances\": [[0,1,2,3,4,5,6,7,8,9,10]]}", // too few
                "{\"instances\": [[0,1,2,3,4,5,6,7,8,9,10,11,12]]}", // too many
                "{\"instances\": [[[0,1,2],[3,4,5],[6,7,8],[9,10]]]}", // ragged
                "{\"instances\": [[[0,1,2],[3,4,5],[6,7,8],[9,10,11,12]]]}",
                "{\"instances\": [[[0,1,2],[3,4,5],[6,7,8],9]]}", // mixed depths
                "{\"instances\": [[[[[0,1,2],[3,4,5],[6,7,8],[9,10,11]]]]]}", // too deep
                "{\"instances\": [[[0,1,2,3],[4,5,6,7],[8,9,10,11]]]}", // [3][4], not [4][3]
                "{\"instances\": [{\"b64\": \"AAAA\"}]}",
                "{\"instances\": [" + twelve + "], \"extra\": 1}",
                "{\"instances\": [" + twelve + "], \"instances\": [" + twelve + "]}",
                "{\"instances\": [" + twelve + "], \"top_k\": 2.5}",
                "{\"instances\": [" + twelve + "], \"signature_name\": \"other\"}",
                "{\"inst\\u0061nces\": [" + twelve + "]}",
                "{\"instances\": [" + twelve + "]} trailing",
                "{\"instances\": [" + twelve + "]",
                "{\"instances\": [" + twelve + ",]}",
                "{\"instances\": [" + (twelve + ",").repeat(9) + twelve + "]}")) { // 10 > 8 allowed
            assertNull(fast(body, GRAY), body);
        }
    }
}
