package dev.nabla.samples.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.samples.cli.Args;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./nabla notebook}: exit codes, messages and the files it writes. */
class NotebookCommandTest {
    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) throws Exception {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = NotebookCommand.run(args, System.out);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void runPassesThenFailsWithTheSnippet() throws Exception {
        Path good = tmp.resolve("good.jsh");
        Files.writeString(good, "// # Good\n\nvar x = 2;\ncheck(x == 2, \"x is two\");\n");
        Run ok = run("run", good.toString(), "--out", tmp.resolve("pics").toString());
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("good: 2 snippets ran, every check held"), ok.out());

        Path bad = tmp.resolve("bad.jsh");
        Files.writeString(bad, "var x = 2;\n\ncheck(x == 3, \"x is three\");\n");
        Run failed = run("run", bad.toString(), "--out", tmp.resolve("pics").toString());
        assertEquals(1, failed.code());
        assertTrue(
                failed.err().contains("bad.jsh:3: this snippet failed")
                        && failed.err().contains("check(x == 3, \"x is three\");")
                        && failed.err().contains("check failed: x is three"),
                failed.err());
    }

    @Test
    void convertWritesIpynbBesideOrInto() throws Exception {
        Path nb = tmp.resolve("lesson.jsh");
        Files.writeString(nb, "// # Lesson\n\nvar x = 1;\n");
        Run r = run("convert", nb.toString(), "--out", tmp.resolve("out").toString());
        assertEquals(0, r.code());
        assertTrue(Files.readString(tmp.resolve("out/lesson.ipynb")).contains("\"cell_type\": \"markdown\""));
    }

    @Test
    void usageErrors() throws Exception {
        assertEquals(2, run().code());
        assertThrows(Args.UsageException.class, () -> run("run"));
        assertThrows(Args.UsageException.class, () -> run("frobnicate", "x.jsh"));
        assertThrows(Args.UsageException.class, () -> run("kernel"));
    }
}
