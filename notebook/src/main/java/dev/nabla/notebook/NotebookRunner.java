package dev.nabla.notebook;

import dev.nabla.plot.Display;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Runs a {@code .jsh} notebook headless, as {@code ./nabla notebook run FILE} does: prints a
 * transcript (the prose as comments, each snippet after a {@code jshell>} prompt, then what JShell
 * would echo and whatever the snippet prints), saves the pictures it shows under a folder of its
 * own, and stops at the first snippet that does not compile, throws or fails a check, naming the
 * file, the line and the snippet.
 *
 * <pre>{@code
 * NotebookRunner.Result r = NotebookRunner.run(Path.of("samples/notebooks/01-tensors.jsh"), Path.of("runs/notebooks/01-tensors"));
 * if (!r.ok()) System.err.println(r.failure());
 * }</pre>
 */
public final class NotebookRunner {
    /** How a run ended: snippets evaluated, wall time, and the failure report (null when it passed). */
    public record Result(String notebook, boolean ok, int snippets, double seconds, String failure) {}

    private NotebookRunner() {}

    /**
     * Runs the notebook, printing the transcript to {@code System.out}; pictures shown with
     * {@code show()} are saved in {@code pictures}.
     */
    public static Result run(Path file, Path pictures) throws IOException {
        Notebook nb = Notebook.read(file);
        PrintStream out = System.out;
        long t0 = System.nanoTime();
        Display.setDirectory(pictures);
        int snippets = 0;
        try (Session session = new Session()) {
            for (Notebook.Cell cell : nb.cells()) {
                if (cell.kind() == Notebook.Kind.PROSE) {
                    out.println();
                    cell.text().lines().forEach(l -> out.println(l.isEmpty() ? "//" : "// " + l));
                    out.println();
                    continue;
                }
                for (Session.Piece p : session.split(cell.text(), cell.line())) {
                    out.println(prompt(p.source()));
                    Session.Outcome o = session.eval(p);
                    snippets++;
                    if (o.ok() && Session.isPicture(o)) {
                        o = session.show(o);
                    } else if (o.ok() && !o.feedback().isEmpty()) {
                        out.println(o.feedback());
                    }
                    if (!o.ok()) {
                        String failure = String.format(
                                Locale.ROOT,
                                "%s:%d: this snippet failed:%n%s%n%s",
                                file,
                                p.line(),
                                p.source().indent(4).stripTrailing(),
                                o.error());
                        return new Result(nb.name(), false, snippets, seconds(t0), failure);
                    }
                }
            }
        }
        out.flush();
        return new Result(nb.name(), true, snippets, seconds(t0), null);
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** The snippet as typed at the JShell prompt. */
    static String prompt(String source) {
        StringBuilder sb = new StringBuilder();
        String[] lines = source.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            sb.append(i == 0 ? "jshell> " : "\n   ...> ").append(lines[i]);
        }
        return sb.toString();
    }
}
