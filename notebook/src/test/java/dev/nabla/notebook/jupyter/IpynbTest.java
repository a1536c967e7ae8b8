package dev.nabla.notebook.jupyter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.notebook.Notebook;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The .ipynb and kernel.json texts (the course test executes them in Jupyter where it can). */
class IpynbTest {
    private static int count(String s, String needle) {
        Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(s);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    @Test
    void oneJupyterCellPerNotebookCell() {
        Notebook nb = Notebook.parse(
                "n", "// # Title\n//\n// Says \"hi\" \\ there.\n\nvar x = 1;\nx + 1;\n\n// ## Next\n\nx;\n");
        String json = Ipynb.of(nb);
        assertEquals(2, count(json, "\"cell_type\": \"markdown\""));
        assertEquals(2, count(json, "\"cell_type\": \"code\""));
        assertEquals(2, count(json, "\"outputs\": []"));
        assertTrue(json.contains("\"Says \\\"hi\\\" \\\\ there.\""), json);
        assertTrue(json.contains("\"var x = 1;\\n\",\n    \"x + 1;\""), json);
        assertTrue(json.contains("\"name\": \"nabla\"") && json.contains("\"nbformat\": 4"), json);
        assertEquals("\"a\\tb\\u0001\"", Ipynb.string("a\tb\u0001"));
    }

    @Test
    void kernelJsonPassesTheConnectionFileLast() {
        String json = KernelSpec.json(List.of("/opt/my \"nabla\"/nabla", "notebook", "kernel"));
        assertTrue(
                json.contains(
                        "\"argv\": [\"/opt/my \\\"nabla\\\"/nabla\", \"notebook\", \"kernel\", \"{connection_file}\"]"),
                json);
        assertTrue(json.contains("\"language\": \"java\""), json);
    }
}
