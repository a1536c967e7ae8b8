package dev.nabla.notebook.jupyter;

import dev.nabla.notebook.Session;
import dev.nabla.plot.Display;
import dev.nabla.plot.Figure;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.dflib.jjava.jupyter.channels.JupyterConnection;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.JupyterIO;
import org.dflib.jjava.jupyter.kernel.KernelConnectionProperties;
import org.dflib.jjava.jupyter.kernel.LanguageInfo;
import org.dflib.jjava.jupyter.kernel.ReplacementOptions;
import org.dflib.jjava.jupyter.kernel.comm.CommManager;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.magic.MagicsRegistry;
import org.dflib.jjava.jupyter.kernel.util.StringStyler;
import org.dflib.jjava.jupyter.kernel.util.TextColor;

/**
 * A Jupyter kernel for Java with Nabla: jjava-jupyter speaks the wire protocol, a {@link Session}
 * (JShell, local execution) runs the cells. A cell may hold several snippets; its result is the
 * value of a final bare expression, as in IPython. Pictures ({@code show()}, or a cell ending in a
 * chart or figure expression) appear inline as PNG. Errors show the failing snippet and message,
 * as {@code ./nabla notebook run} does.
 *
 * <pre>{@code
 * ./nabla notebook install          # registers this kernel as "nabla" and writes the course as .ipynb
 * jupyter nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=nabla runs/course/01-tensors.ipynb
 * }</pre>
 */
public final class NablaKernel extends BaseKernel {
    /** A cell whose snippet failed; Jupyter shows its message and no Java stack. */
    static final class CellError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CellError(String message) {
            super(message, null, false, false);
        }
    }

    private final Session session;

    NablaKernel(Session session) {
        super(
                "Nabla",
                "0.1",
                new LanguageInfo.Builder("java")
                        .version(Runtime.version().toString())
                        .mimetype("text/x-java-source")
                        .fileExtension(".jshell")
                        .pygments("java")
                        .codemirror("text/x-java")
                        .build(),
                List.of(),
                null,
                new JupyterIO(StandardCharsets.UTF_8),
                new CommManager(),
                new Renderer(),
                null,
                new MagicsRegistry(),
                false,
                new StringStyler.Builder()
                        .addPrimaryStyle(TextColor.BOLD_RESET_FG)
                        .addSecondaryStyle(TextColor.BOLD_RED_FG)
                        .addHighlightStyle(TextColor.BOLD_RESET_FG)
                        .build());
        this.session = session;
    }

    /** Figures as display data: PNG for the notebook, the figure's description as text. */
    static DisplayData picture(Figure figure) {
        DisplayData d = new DisplayData(figure.toString());
        d.putData("image/png", Base64.getEncoder().encodeToString(figure.toPng()));
        return d;
    }

    @Override
    public Object evalRaw(String source) {
        DisplayData result = null;
        for (Session.Piece p : session.split(source, 1)) {
            Session.Outcome o = session.eval(p);
            result = null;
            if (o.ok() && Session.isPicture(o)) {
                o = session.show(o);
            } else if (o.ok() && o.isExpression()) {
                result = new DisplayData(o.value());
            }
            if (!o.ok()) {
                throw new CellError("line " + p.line() + ": this snippet failed:\n"
                        + p.source().indent(4) + o.error());
            }
        }
        return result;
    }

    @Override
    public List<String> formatError(Throwable e) {
        if (e instanceof CellError) {
            return errorStyler.secondaryLines(e.getMessage());
        }
        return super.formatError(e);
    }

    /** Shift-Tab in Jupyter: the signatures of the method or type under the cursor. */
    @Override
    public DisplayData inspect(String code, int at, boolean extraDetail) {
        // JShell documents a name when the cursor is past it, and a call only after its '('
        int end = at;
        while (end < code.length() && Character.isJavaIdentifierPart(code.charAt(end))) {
            end++;
        }
        if (end < code.length() && code.charAt(end) == '(') {
            end++;
        }
        List<String> docs = session.documentation(code, end);
        return docs.isEmpty() ? null : new DisplayData(String.join("\n\n", docs));
    }

    @Override
    public ReplacementOptions complete(String code, int at) {
        int[] anchor = new int[1];
        List<String> options = session.completions(code, at, anchor);
        return options.isEmpty() ? null : new ReplacementOptions(options, anchor[0], at);
    }

    @Override
    public String isComplete(String code) {
        return switch (session.completeness(code)) {
            case "complete" -> IS_COMPLETE_YES;
            case "incomplete" -> "    ";
            default -> IS_COMPLETE_BAD;
        };
    }

    /** Jupyter's interrupt button: stops the running snippet, as Ctrl-C does in JShell. */
    @Override
    public void interrupt() {
        session.stop();
    }

    @Override
    public void onShutdown(boolean isRestarting) {
        super.onShutdown(isRestarting);
        Display.setHandler(null);
        session.close();
    }

    /** Runs the kernel on the connection file Jupyter passes (see {@link KernelSpec}). */
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            throw new IllegalArgumentException(
                    "usage: ./nabla notebook kernel CONNECTION_FILE (Jupyter passes the file)");
        }
        Path file = Path.of(args[0]);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("the kernel's connection file " + file + " does not exist");
        }
        // jjava-jupyter logs through SLF4J; without a provider it warns on stderr at every start
        System.setProperty("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
        System.setProperty("slf4j.internal.verbosity", "WARN");
        KernelConnectionProperties props = KernelConnectionProperties.parse(Files.readString(file));
        JupyterConnection connection = new JupyterConnection(props);
        NablaKernel kernel = new NablaKernel(new Session());
        Display.setHandler(figure -> kernel.display(picture(figure)));
        kernel.onStartup();
        kernel.becomeHandlerForConnection(connection);
        connection.connect();
        connection.waitUntilClose();
    }
}
