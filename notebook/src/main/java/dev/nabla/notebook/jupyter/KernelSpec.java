package dev.nabla.notebook.jupyter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The Jupyter kernel specification of the Nabla kernel: a {@code kernel.json} naming the command
 * that starts {@link NablaKernel}. {@code ./nabla notebook install} writes it and registers it
 * with {@code jupyter kernelspec install}.
 *
 * <pre>{@code
 * Path dir = KernelSpec.write(Path.of("/tmp/spec"), List.of("/home/me/nabla/nabla", "notebook", "kernel"));
 * // then: jupyter kernelspec install --user --name nabla /tmp/spec/nabla
 * }</pre>
 */
public final class KernelSpec {
    /** The kernel's name, as notebooks' metadata and {@code --ExecutePreprocessor.kernel_name} refer to it. */
    public static final String NAME = "nabla";

    public static final String DISPLAY_NAME = "Java (Nabla)";

    private KernelSpec() {}

    /** The kernel.json text; Jupyter appends the connection file to {@code command}. */
    public static String json(List<String> command) {
        String argv = command.stream().map(Ipynb::string).collect(Collectors.joining(", "));
        return "{\n  \"argv\": [" + argv + ", \"{connection_file}\"],\n"
                + "  \"display_name\": \"" + DISPLAY_NAME + "\",\n"
                + "  \"language\": \"java\",\n"
                + "  \"interrupt_mode\": \"message\"\n}\n";
    }

    /** Writes {@code parent/nabla/kernel.json} and returns that folder. */
    public static Path write(Path parent, List<String> command) throws IOException {
        Path dir = parent.resolve(NAME);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("kernel.json"), json(command), StandardCharsets.UTF_8);
        return dir;
    }
}
