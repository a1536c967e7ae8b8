package dev.nabla.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The .jsh format, the JShell session and the headless runner, on small notebooks written here. */
class NotebookRunnerTest {
    @TempDir
    Path tmp;

    private static Session session;

    @BeforeAll
    static void open() {
        session = new Session();
    }

    @AfterAll
    static void close() {
        session.close();
    }

    private record Run(NotebookRunner.Result result, String out) {}

    private Run run(String source) throws IOException {
        Path file = tmp.resolve("nb.jsh");
        Files.writeString(file, source);
        PrintStream old = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            return new Run(NotebookRunner.run(file, tmp.resolve("pictures")), bytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void proseAndCodeCells() {
        Notebook nb = Notebook.parse("n", """
                // # 1. A title
                //
                // Prose with $x^2$.

                var a = 1;
                // a comment touching code stays code
                var b = 2;

                // More prose.
                """);
        assertEquals(3, nb.cells().size());
        assertEquals(Notebook.Kind.PROSE, nb.cells().get(0).kind());
        assertEquals("# 1. A title\n\nProse with $x^2$.", nb.cells().get(0).text());
        assertEquals(Notebook.Kind.CODE, nb.cells().get(1).kind());
        assertEquals(5, nb.cells().get(1).line());
        assertTrue(nb.cells().get(1).text().contains("// a comment touching code stays code"));
        assertEquals("More prose.", nb.cells().get(2).text());
        assertEquals("1. A title", nb.title());
    }

    @Test
    void splitsSnippetsWithTheirLines() {
        List<Session.Piece> pieces = session.split("int a = 1;   // one\n\nint b = a +\n    1;\nb;", 10);
        assertEquals(3, pieces.size());
        assertEquals(new Session.Piece("int a = 1;   // one", 10), pieces.get(0));
        assertEquals(12, pieces.get(1).line());
        assertEquals("b;", pieces.get(2).source());
        assertEquals(14, pieces.get(2).line());
    }

    @Test
    void echoesAsJShellDoes() throws IOException {
        Run r = run("""
                // # Echo

                var t = Tensor.arange(3);
                t.sum();
                int twice(int x) { return 2 * x; }
                record P(int x) {}
                System.out.println("printed " + twice(2));
                check(twice(2) == 4, "twice doubles");
                checkClose(t.sum().item(), 3.0, 1e-9);
                """);
        assertTrue(r.result().ok(), r.result().failure());
        assertEquals(7, r.result().snippets());
        String out = r.out();
        assertTrue(out.contains("// # Echo"), out);
        assertTrue(out.contains("jshell> var t = Tensor.arange(3);\nt ==> tensor([0., 1., 2.], shape=[3])"), out);
        assertTrue(out.contains("$2 ==> tensor(3.)") || out.matches("(?s).*\\$\\d+ ==> tensor\\(3\\.\\).*"), out);
        assertTrue(out.contains("|  created method twice(int)"), out);
        assertTrue(out.contains("|  created record P"), out);
        assertTrue(out.contains("printed 4"), out);
    }

    @Test
    void picturesAreSavedInTheNotebooksFolder() throws IOException {
        Run r = run("""
                var c = new Chart().title("A line").line(new double[] {1, 2, 3}, "y");
                c.show();
                Plot.image(Tensor.eye(8));
                """);
        assertTrue(r.result().ok(), r.result().failure());
        assertTrue(Files.isRegularFile(tmp.resolve("pictures/01-a-line.png")), r.out());
        // a bare picture expression is shown, not printed
        assertTrue(Files.isRegularFile(tmp.resolve("pictures/02-figure.png")), r.out());
        assertTrue(r.out().contains("saved " + tmp.resolve("pictures/02-figure.png")), r.out());
    }

    @Test
    void aFailedCheckStopsTheRunAndNamesTheLine() throws IOException {
        Run r = run("""
                var x = 2;

                check(x == 3, "x is three");
                System.out.println("never printed");
                """);
        assertFalse(r.result().ok());
        assertEquals(2, r.result().snippets());
        String f = r.result().failure();
        assertTrue(f.contains("nb.jsh:3:") && f.contains("check(x == 3, \"x is three\");"), f);
        assertTrue(f.contains("check failed: x is three"), f);
        assertFalse(r.out().contains("never printed"));
    }

    @Test
    void compileErrorsExceptionsAndUnresolvedNamesFail() throws IOException {
        Run compile = run("int y = undefinedName + 1;\n");
        assertFalse(compile.result().ok());
        assertTrue(
                compile.result().failure().contains("cannot find symbol"),
                compile.result().failure());
        assertTrue(compile.result().failure().contains("^"), compile.result().failure());

        Run thrown = run("var t = Tensor.zeros(2, 3);\nt.matmul(Tensor.zeros(2, 3));\n");
        assertFalse(thrown.result().ok());
        String f = thrown.result().failure();
        assertTrue(f.contains("nb.jsh:2:") && f.contains("exception") && f.contains("[2, 3]"), f);

        Run unresolved = run("int g() { return notYet; }\n");
        assertFalse(unresolved.result().ok());
        assertTrue(
                unresolved.result().failure().contains("notYet"),
                unresolved.result().failure());

        Run incomplete = run("for (int i = 0; i < 2; i++) {\n");
        assertFalse(incomplete.result().ok());
        assertTrue(
                incomplete.result().failure().contains("incomplete"),
                incomplete.result().failure());
    }

    @Test
    void stopInterruptsARunningSnippet() throws InterruptedException {
        assertTrue(session.eval(new Session.Piece("long spins = 0;", 1)).ok());
        // stop once the loop runs (the snippet shares this JVM's system properties), not while it compiles
        System.clearProperty("nabla.test.spinning");
        Thread stopper = new Thread(() -> {
            while (System.getProperty("nabla.test.spinning") == null) {
                Thread.onSpinWait();
            }
            session.stop();
        });
        stopper.start();
        Session.Outcome o = session.eval(new Session.Piece(
                "System.setProperty(\"nabla.test.spinning\", \"yes\"); while (true) { spins++; }", 2));
        stopper.join();
        assertEquals("stopped (interrupted)", o.error());
        assertTrue(session.eval(new Session.Piece("spins > 0;", 3)).value().equals("true"), "the session lives on");
    }

    @Test
    void aSnippetThatStartsAThreadDoesNotWaitForIt() {
        // JShell's own local engine joins every thread it finds in the snippet's group just after
        // starting it, so a thread the snippet starts at once was sometimes waited for forever
        assertTrue(session.eval(new Session.Piece("var sleepers = new ArrayList<Thread>();", 1))
                .ok());
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (int i = 0; i < 300; i++) {
                Session.Outcome o = session.eval(new Session.Piece(
                        "sleepers.add(Thread.ofPlatform().daemon().start(() -> {"
                                + " try { Thread.sleep(600_000); } catch (InterruptedException e) { } }));",
                        2));
                assertTrue(o.ok(), o.error());
            }
        });
        assertTrue(session.eval(new Session.Piece("sleepers.forEach(Thread::interrupt);", 3))
                .ok());
    }

    @Test
    void completionsAndDocumentationForTheKernel() {
        int[] anchor = new int[1];
        List<String> options = session.completions("Tensor.ara", 10, anchor);
        assertTrue(options.contains("arange("), options.toString());
        assertEquals(7, anchor[0]);
        String docs = String.join("\n", session.documentation("Tensor.arange(", 14));
        assertTrue(docs.contains("Tensor.arange("), docs);
        assertEquals("incomplete", session.completeness("for (int i = 0; i < 3; i++) {"));
        assertEquals("complete", session.completeness("int q = 1;"));
    }

    @Test
    void checks() {
        Checks.check(true, "fine");
        var e = assertThrows(CheckFailedError.class, () -> Checks.checkClose(1.0, 1.5, 0.1));
        assertTrue(e.getMessage().contains("got 1.0, expected 1.5"), e.getMessage());
        assertThrows(CheckFailedError.class, () -> Checks.checkClose(Double.NaN, 1, 1));
        Checks.checkClose(Tensor.of(1, 2), Tensor.of(1, 2.0000001f), 1e-5);
        e = assertThrows(CheckFailedError.class, () -> Checks.checkClose(Tensor.of(1, 2), Tensor.of(1, 2, 3), 1));
        assertTrue(e.getMessage().contains("shapes differ"), e.getMessage());
        e = assertThrows(
                CheckFailedError.class, () -> Checks.checkClose(Tensor.of(1, Float.NaN, 3), Tensor.of(1, 2, 30), 1));
        assertTrue(e.getMessage().contains("element 1"), e.getMessage());
        assertNull(session.eval(new Session.Piece("check(true, \"ok\");", 1)).error());
    }
}
