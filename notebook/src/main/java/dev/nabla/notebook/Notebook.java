package dev.nabla.notebook;

import dev.nabla.notebook.jupyter.Ipynb;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A notebook read from a {@code .jsh} file: prose cells and code cells in order. A prose cell is
 * a block of {@code //} lines (Markdown after the slashes) standing alone between blank lines;
 * everything between two prose cells is one code cell (a {@code //} comment touching code stays
 * code). The same file runs in plain JShell, headless ({@code ./nabla notebook run}) and, through
 * {@link Ipynb}, as a Jupyter notebook.
 *
 * <pre>{@code
 * // # 1. Tensors
 * //
 * // A tensor is an n-dimensional array: $x \in \mathbb{R}^{2 \times 3}$.
 *
 * var x = Tensor.arange(6).reshape(2, 3);
 * check(x.numel() == 6, "six elements");
 * }</pre>
 */
public record Notebook(String name, List<Cell> cells) {
    /** What a cell holds. */
    public enum Kind {
        PROSE,
        CODE
    }

    /** A cell: its kind, its text (prose without the slashes) and its first line in the file (1-based). */
    public record Cell(Kind kind, String text, int line) {}

    public Notebook {
        cells = List.copyOf(cells);
    }

    public static Notebook read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such notebook file");
        }
        String name = file.getFileName().toString().replaceFirst("\\.jsh$", "");
        return parse(name, Files.readString(file, StandardCharsets.UTF_8));
    }

    public static Notebook parse(String name, String source) {
        String[] lines = source.replace("\r\n", "\n").split("\n", -1);
        List<Cell> cells = new ArrayList<>();
        int i = 0;
        int codeStart = -1;
        while (i < lines.length) {
            if (isComment(lines[i]) && (i == 0 || lines[i - 1].isBlank())) {
                int end = i;
                while (end < lines.length && isComment(lines[end])) {
                    end++;
                }
                if (end == lines.length || lines[end].isBlank()) {
                    addCode(cells, lines, codeStart, i);
                    codeStart = -1;
                    StringBuilder prose = new StringBuilder();
                    for (int k = i; k < end; k++) {
                        String text = lines[k].substring(2);
                        prose.append(text.startsWith(" ") ? text.substring(1) : text)
                                .append('\n');
                    }
                    cells.add(new Cell(Kind.PROSE, prose.toString().stripTrailing(), i + 1));
                    i = end;
                    continue;
                }
            }
            if (codeStart < 0 && !lines[i].isBlank()) {
                codeStart = i;
            }
            i++;
        }
        addCode(cells, lines, codeStart, lines.length);
        return new Notebook(name, cells);
    }

    private static boolean isComment(String line) {
        return line.startsWith("//");
    }

    private static void addCode(List<Cell> cells, String[] lines, int start, int end) {
        if (start < 0) {
            return;
        }
        StringBuilder code = new StringBuilder();
        for (int k = start; k < end; k++) {
            code.append(lines[k]).append('\n');
        }
        String text = code.toString().stripTrailing();
        if (!text.isEmpty()) {
            cells.add(new Cell(Kind.CODE, text, start + 1));
        }
    }

    /** The notebook's title: the first prose line that is a Markdown heading, without the hashes. */
    public String title() {
        for (Cell c : cells) {
            if (c.kind() == Kind.PROSE) {
                for (String line : c.text().split("\n")) {
                    if (line.startsWith("#")) {
                        return line.replaceFirst("^#+\\s*", "");
                    }
                }
            }
        }
        return name;
    }
}
