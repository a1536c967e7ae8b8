// What every notebook, the Jupyter kernel and ./nabla jshell start with: JShell's usual imports,
// Nabla's packages and the checks.
import java.io.*;
import java.math.*;
import java.nio.file.*;
import java.util.*;
import java.util.function.*;
import java.util.stream.*;
import dev.nabla.tensor.*;
import dev.nabla.autograd.*;
import dev.nabla.nn.*;
// a single-type import wins over java.lang.Module, so Module means Nabla's
import dev.nabla.nn.Module;
import dev.nabla.nn.data.*;
import dev.nabla.nn.models.*;
import dev.nabla.optim.*;
import dev.nabla.export.*;
import dev.nabla.inference.*;
import dev.nabla.train.*;
import dev.nabla.plot.*;
import static dev.nabla.notebook.Checks.*;
