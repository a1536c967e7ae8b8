package dev.nabla.notebook.jupyter;

import dev.nabla.notebook.Notebook;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a {@link Notebook} as a Jupyter notebook (nbformat 4.5) for the Nabla kernel: prose
 * cells become Markdown cells, code cells code cells, with no outputs. The {@code .jsh} file stays
 * the one source; the {@code .ipynb} is generated from it.
 *
 * <pre>{@code
 * Ipynb.write(Notebook.read(Path.of("samples/notebooks/01-tensors.jsh")), Path.of("runs/course/01-tensors.ipynb"));
 * }</pre>
 */
public final class Ipynb {
    private Ipynb() {}

    public static String of(Notebook nb) {
        StringBuilder sb = new StringBuilder("{\n \"cells\": [");
        List<Notebook.Cell> cells = nb.cells();
        for (int i = 0; i < cells.size(); i++) {
            Notebook.Cell c = cells.get(i);
            sb.append(i == 0 ? "\n" : ",\n").append("  {\n");
            boolean code = c.kind() == Notebook.Kind.CODE;
            sb.append("   \"cell_type\": \"").append(code ? "code" : "markdown").append("\",\n");
            if (code) {
                sb.append("   \"execution_count\": null,\n");
            }
            sb.append("   \"id\": \"cell-").append(i + 1).append("\",\n");
            sb.append("   \"metadata\": {},\n");
            if (code) {
                sb.append("   \"outputs\": [],\n");
            }
            sb.append("   \"source\": [");
            String[] lines = c.text().split("\n", -1);
            for (int k = 0; k < lines.length; k++) {
                sb.append(k == 0 ? "\n" : ",\n")
                        .append("    ")
                        .append(string(k < lines.length - 1 ? lines[k] + "\n" : lines[k]));
            }
            sb.append("\n   ]\n  }");
        }
        sb.append("\n ],\n");
        sb.append(" \"metadata\": {\n");
        sb.append("  \"kernelspec\": {\"display_name\": \"")
                .append(KernelSpec.DISPLAY_NAME)
                .append("\", \"language\": \"java\", \"name\": \"")
                .append(KernelSpec.NAME)
                .append("\"},\n");
        sb.append("  \"language_info\": {\"codemirror_mode\": \"text/x-java\", \"file_extension\": \".jshell\", "
                + "\"mimetype\": \"text/x-java-source\", \"name\": \"java\", \"pygments_lexer\": \"java\"}\n");
        sb.append(" },\n \"nbformat\": 4,\n \"nbformat_minor\": 5\n}\n");
        return sb.toString();
    }

    public static void write(Notebook nb, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Files.writeString(file, of(nb), StandardCharsets.UTF_8);
    }

    /** A JSON string literal. */
    static String string(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
