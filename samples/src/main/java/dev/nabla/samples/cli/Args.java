package dev.nabla.samples.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Command-line flags of the form {@code --name value} or {@code --name=value}, and bare
 * {@code --switch}es. Every flag must be declared by the command that reads it; anything left
 * unread is reported, so a typo never passes silently. Words that are not flags are refused too
 * unless the command reads them ({@link #positional()}): {@code --augment false} is a mistake,
 * not augmentation.
 *
 * <pre>{@code
 * Args a = Args.parse(new String[] {"--epochs", "3", "--augment"}, Set.of("augment"));
 * a.intValue("epochs", 1);   // 3
 * a.flag("augment");         // true
 * a.finish();                // throws if an unknown flag was given
 * }</pre>
 */
public final class Args {
    private final Map<String, String> values = new LinkedHashMap<>();
    private final Set<String> switches = new LinkedHashSet<>();
    private final Set<String> read = new LinkedHashSet<>();
    private final List<String> positional = new ArrayList<>();
    /**
     * Flags given last or before another flag, with no value. Which names take values is known only
     * when a command reads them, so the complaint waits: "needs a value" for an option the command
     * has, "unknown option" (from {@link #finish}) for one it has not.
     */
    private final Set<String> missingValue = new LinkedHashSet<>();
    /** For each positional word, the switch just before it (or null): the likely cause of a stray word. */
    private final List<String> after = new ArrayList<>();

    private boolean positionalRead;

    private Args() {}

    /** Parses {@code args}; names in {@code switchNames} take no value. */
    public static Args parse(String[] args, Set<String> switchNames) {
        Args a = new Args();
        for (int i = 0; i < args.length; i++) {
            String s = args[i];
            if (!s.startsWith("--")) {
                a.positional.add(s);
                String prev = i > 0 && args[i - 1].startsWith("--") ? args[i - 1].substring(2) : null;
                a.after.add(prev != null && switchNames.contains(prev) ? prev : null);
                continue;
            }
            String name = s.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (switchNames.contains(name)) {
                if (value != null) {
                    throw new UsageException("--" + name + " takes no value");
                }
                a.switches.add(name);
                continue;
            }
            if (value == null) {
                if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                    a.missingValue.add(name);
                    continue;
                }
                value = args[++i];
            }
            if (a.values.put(name, value) != null) {
                throw new UsageException("--" + name + " is given twice");
            }
        }
        return a;
    }

    public boolean flag(String name) {
        read.add(name);
        return switches.contains(name);
    }

    public String string(String name, String fallback) {
        read.add(name);
        if (missingValue.contains(name)) {
            throw new UsageException("--" + name + " needs a value");
        }
        return values.getOrDefault(name, fallback);
    }

    /** A value that must be one of {@code choices}. */
    public String choice(String name, String fallback, String... choices) {
        String v = string(name, fallback);
        for (String c : choices) {
            if (c.equals(v)) {
                return v;
            }
        }
        throw new UsageException("--" + name + " must be one of " + String.join(", ", choices) + ", got '" + v + "'");
    }

    public int intValue(String name, int fallback) {
        String v = string(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be an integer, got '" + v + "'");
        }
    }

    public long longValue(String name, long fallback) {
        String v = string(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be an integer, got '" + v + "'");
        }
    }

    public double doubleValue(String name, double fallback) {
        String v = string(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number, got '" + v + "'");
        }
    }

    public boolean has(String name) {
        read.add(name);
        return values.containsKey(name) || switches.contains(name) || missingValue.contains(name);
    }

    /** The words that are not flags (a command that takes none leaves them unread, and {@link #finish} refuses them). */
    public List<String> positional() {
        positionalRead = true;
        return List.copyOf(positional);
    }

    /** Throws when a flag was given that no one read, or a word no one expected. */
    public void finish() {
        if (!positionalRead && !positional.isEmpty()) {
            String word = positional.get(0);
            String sw = after.get(0);
            throw new UsageException("unexpected argument '" + word + "'"
                    + (sw != null ? ": --" + sw + " is a switch and takes no value" : ""));
        }
        Set<String> unknown = new LinkedHashSet<>(values.keySet());
        unknown.addAll(switches);
        unknown.addAll(missingValue);
        unknown.removeAll(read);
        if (!unknown.isEmpty()) {
            throw new UsageException("unknown option(s): --" + String.join(", --", unknown));
        }
    }

    /** A mistake in the command line; the front end prints its message and the command's usage. */
    public static final class UsageException extends RuntimeException {
        public UsageException(String message) {
            super(message);
        }
    }
}
