package dev.nabla.notebook;

import dev.nabla.plot.Display;
import dev.nabla.plot.Figure;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import jdk.jshell.DeclarationSnippet;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.ExpressionSnippet;
import jdk.jshell.JShell;
import jdk.jshell.MethodSnippet;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.TypeDeclSnippet;
import jdk.jshell.UnresolvedReferenceException;
import jdk.jshell.VarSnippet;

/**
 * A JShell session with Nabla on the class path and its packages imported, evaluating snippets
 * in this JVM (JShell's local execution engine, see {@link SnippetExecution}: the snippets share
 * the JVM's classes, so a figure shown by a snippet reaches the {@link Display} handler the host
 * installed). The
 * engine behind {@link NotebookRunner} and the Jupyter kernel.
 *
 * <pre>{@code
 * try (Session s = new Session()) {
 *     for (Session.Piece p : s.split("var x = Tensor.arange(3);\nx.sum();", 1)) {
 *         Session.Outcome o = s.eval(p);
 *         System.out.println(o.feedback());       // x ==> tensor([0., 1., 2.], shape=[3])  then  $2 ==> tensor(3.)
 *     }
 * }
 * }</pre>
 */
public final class Session implements AutoCloseable {
    /** A complete snippet cut from a cell, with the line it starts on. */
    public record Piece(String source, int line) {}

    /**
     * What evaluating a snippet gave: JShell's feedback ({@code x ==> 5}, {@code |  created method
     * f(int)}, or empty), an error message (null when it succeeded) and, for an expression, the
     * name and type of the variable holding its value.
     */
    public record Outcome(
            Piece piece, String feedback, String error, String valueName, String valueType, String value) {
        public boolean ok() {
            return error == null;
        }

        /** True for a bare expression (not a declaration): what a notebook cell shows as its result. */
        public boolean isExpression() {
            return valueName != null;
        }
    }

    /** Types whose values are pictures: an expression of one of them is shown, not printed. */
    private static final Set<String> PICTURES = Set.of("Figure", "Chart", "ImageGrid", "Panel");

    private static final Pattern TRAILING_COMMENT = Pattern.compile("[ \\t]*//[^\\n]*");

    private final JShell jshell;
    private volatile boolean stopped;

    public Session() {
        this.jshell = JShell.builder()
                .executionEngine(SnippetExecution.provider(), Map.of())
                .compilerOptions("--add-modules", "jdk.incubator.vector", "-Xlint:-incubating")
                .build();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                jshell.addToClasspath(entry);
            }
        }
        for (Piece p : split(startup(), 1)) {
            Outcome o = eval(p);
            if (!o.ok()) {
                throw new IllegalStateException(
                        "the notebook start-up failed (is Nabla on the class path?): " + o.error());
            }
        }
    }

    /** The imports every session starts with (also {@code ./nabla jshell}'s start-up file). */
    public static String startup() {
        try (InputStream in = Session.class.getResourceAsStream("startup.jsh")) {
            if (in == null) {
                throw new IllegalStateException("startup.jsh is missing from the notebook jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Cuts source code into complete snippets as JShell reads a script (so statements end with
     * {@code ;}); {@code firstLine} is the line the code starts on, for messages.
     */
    public List<Piece> split(String code, int firstLine) {
        SourceCodeAnalysis sca = jshell.sourceCodeAnalysis();
        List<Piece> out = new ArrayList<>();
        String rest = code;
        int line = firstLine;
        while (!rest.isBlank()) {
            SourceCodeAnalysis.CompletionInfo ci = sca.analyzeCompletion(rest);
            int consumed = rest.length() - ci.remaining().length();
            if (consumed <= 0) {
                consumed = rest.length();
            }
            // a comment on the same line as the end of a statement belongs to that statement
            Matcher trailing = TRAILING_COMMENT.matcher(rest).region(consumed, rest.length());
            if (trailing.lookingAt()) {
                consumed = trailing.end();
            }
            String text = rest.substring(0, consumed);
            int lead = 0;
            while (lead < text.length() && Character.isWhitespace(text.charAt(lead))) {
                lead++;
            }
            int startLine = line + count(text.substring(0, lead), '\n');
            if (ci.completeness() != SourceCodeAnalysis.Completeness.EMPTY) {
                out.add(new Piece(text.strip(), startLine)); // an incomplete one is reported by eval
            }
            line += count(text, '\n');
            rest = rest.substring(consumed);
        }
        return out;
    }

    private static int count(String s, char c) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == c) {
                n++;
            }
        }
        return n;
    }

    /** Evaluates one snippet; output it prints goes to {@code System.out} as it runs. */
    public Outcome eval(Piece piece) {
        SourceCodeAnalysis.Completeness completeness =
                jshell.sourceCodeAnalysis().analyzeCompletion(piece.source()).completeness();
        if (completeness == SourceCodeAnalysis.Completeness.DEFINITELY_INCOMPLETE) {
            return new Outcome(
                    piece, "", "incomplete snippet (a missing closing bracket or parenthesis?)", null, null, null);
        }
        stopped = false;
        List<SnippetEvent> events = jshell.eval(piece.source());
        if (stopped) {
            return new Outcome(piece, "", "stopped (interrupted)", null, null, null);
        }
        List<String> feedback = new ArrayList<>();
        String valueName = null;
        String valueType = null;
        String value = null;
        for (SnippetEvent e : events) {
            if (e.causeSnippet() != null) {
                continue; // an update of a dependent snippet, not this one
            }
            Snippet s = e.snippet();
            String error = error(e);
            if (error != null) {
                return new Outcome(piece, String.join("\n", feedback), error, null, null, null);
            }
            String verb = e.previousStatus() == Snippet.Status.NONEXISTENT ? "created" : "replaced";
            switch (s) {
                case VarSnippet v
                when v.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND
                        && v.typeName().equals("PrintStream") -> {
                    // printf and friends return their stream; echoing it would only be noise
                }
                case VarSnippet v -> {
                    feedback.add(v.name() + " ==> " + e.value());
                    if (v.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND) {
                        valueName = v.name();
                        valueType = v.typeName();
                        value = e.value();
                    }
                }
                case ExpressionSnippet x -> {
                    feedback.add(x.name() + " ==> " + e.value());
                    valueName = x.name();
                    valueType = x.typeName();
                    value = e.value();
                }
                case MethodSnippet m ->
                    feedback.add("|  " + verb + " method " + m.name() + "(" + m.parameterTypes() + ")");
                case TypeDeclSnippet t -> feedback.add("|  " + verb + " " + typeKind(t.subKind()) + " " + t.name());
                default -> {}
            }
        }
        return new Outcome(piece, String.join("\n", feedback), null, valueName, valueType, value);
    }

    private static String typeKind(Snippet.SubKind k) {
        return switch (k) {
            case INTERFACE_SUBKIND -> "interface";
            case ENUM_SUBKIND -> "enum";
            case RECORD_SUBKIND -> "record";
            case ANNOTATION_TYPE_SUBKIND -> "annotation interface";
            default -> "class";
        };
    }

    /** The error of one event, or null: rejected source, unresolved references, or an exception. */
    private String error(SnippetEvent e) {
        Snippet s = e.snippet();
        switch (e.status()) {
            case REJECTED -> {
                List<String> msgs = jshell.diagnostics(s)
                        .filter(Diag::isError)
                        .map(d -> diagnostic(s.source(), d))
                        .toList();
                return msgs.isEmpty() ? "rejected by the compiler" : String.join("\n", msgs);
            }
            case RECOVERABLE_DEFINED, RECOVERABLE_NOT_DEFINED -> {
                List<String> missing =
                        jshell.unresolvedDependencies((DeclarationSnippet) s).toList();
                return "it uses " + String.join(", ", missing) + ", not defined (yet)";
            }
            default -> {}
        }
        if (e.exception() instanceof UnresolvedReferenceException u) {
            return "it calls " + u.getSnippet().toString().lines().findFirst().orElse("")
                    + ", which uses something not defined: "
                    + jshell.unresolvedDependencies(u.getSnippet()).collect(Collectors.joining(", "));
        }
        if (e.exception() instanceof EvalException x) {
            return exception(x);
        }
        if (e.exception() != null) {
            return e.exception().toString();
        }
        return null;
    }

    private static String diagnostic(String source, Diag d) {
        StringBuilder sb = new StringBuilder("error: ").append(d.getMessage(Locale.ROOT));
        long start = d.getStartPosition();
        long end = Math.max(start + 1, d.getEndPosition());
        if (start >= 0 && start <= source.length()) {
            int lineStart = source.lastIndexOf('\n', (int) start - 1) + 1;
            int lineEnd = source.indexOf('\n', (int) start);
            String line = source.substring(lineStart, lineEnd < 0 ? source.length() : lineEnd);
            int from = (int) start - lineStart;
            int to = (int) Math.min(end - lineStart, line.length());
            sb.append("\n    ")
                    .append(line)
                    .append("\n    ")
                    .append(" ".repeat(from))
                    .append("^".repeat(Math.max(1, to - from)));
        }
        return sb.toString();
    }

    /** An exception as the JShell tool prints it: class, message, the frames down to the snippet. */
    static String exception(EvalException x) {
        String cls = x.getExceptionClassName();
        if (cls.equals(CheckFailedError.class.getName())) {
            return x.getMessage();
        }
        StringBuilder sb = new StringBuilder("exception ").append(cls);
        if (x.getMessage() != null) {
            sb.append(": ").append(x.getMessage());
        }
        for (StackTraceElement f : x.getStackTrace()) {
            if (f.getClassName().startsWith("REPL.")) {
                sb.append("\n    at the snippet (line ")
                        .append(f.getLineNumber())
                        .append(")");
                break;
            }
            sb.append("\n    at ").append(f);
        }
        Throwable cause = x.getCause();
        if (cause instanceof EvalException c) {
            sb.append("\ncaused by ").append(exception(c).replaceFirst("^exception ", ""));
        }
        return sb.toString();
    }

    /** True when an outcome's value is a picture ({@link Figure}, a chart, an image grid). */
    public static boolean isPicture(Outcome o) {
        if (o.valueType() == null) {
            return false;
        }
        String t = o.valueType().replaceFirst("^dev\\.nabla\\.plot\\.", "");
        return PICTURES.contains(t);
    }

    /** Shows the picture held by an expression's variable (Figure.show() through the current Display). */
    public Outcome show(Outcome o) {
        return eval(new Piece(o.valueName() + ".show();", o.piece().line()));
    }

    /** Whether {@code code} is a complete input ("complete"), needs more lines ("incomplete") or is invalid. */
    public String completeness(String code) {
        return switch (jshell.sourceCodeAnalysis().analyzeCompletion(code).completeness()) {
            case COMPLETE, COMPLETE_WITH_SEMI, EMPTY -> "complete";
            case DEFINITELY_INCOMPLETE, CONSIDERED_INCOMPLETE -> "incomplete";
            case UNKNOWN -> "invalid";
        };
    }

    /** Completions at {@code cursor}; {@code anchor[0]} receives where the replaced text starts. */
    public List<String> completions(String code, int cursor, int[] anchor) {
        return jshell.sourceCodeAnalysis().completionSuggestions(code, cursor, anchor).stream()
                .sorted((a, b) -> Boolean.compare(b.matchesType(), a.matchesType()))
                .map(SourceCodeAnalysis.Suggestion::continuation)
                .distinct()
                .toList();
    }

    /** Signatures (and Javadoc, where the sources are at hand) of what the code at {@code cursor} names. */
    public List<String> documentation(String code, int cursor) {
        return jshell.sourceCodeAnalysis().documentation(code, cursor, true).stream()
                .map(d -> d.javadoc() == null ? d.signature() : d.signature() + "\n" + d.javadoc())
                .toList();
    }

    /** Asks the running snippet to stop (from another thread), as Ctrl-C does in JShell. */
    public void stop() {
        stopped = true;
        jshell.stop();
    }

    @Override
    public void close() {
        jshell.close();
    }
}
