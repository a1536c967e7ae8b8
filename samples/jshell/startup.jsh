// Loaded by ./nabla jshell: Nabla's packages, ready to use.
import dev.nabla.tensor.*;
import dev.nabla.autograd.*;
import dev.nabla.nn.*;
import dev.nabla.nn.data.*;
import dev.nabla.nn.models.*;
import dev.nabla.optim.*;
import dev.nabla.export.*;
import dev.nabla.inference.*;
// java.lang.Module has the same simple name; the single-type import makes Module mean Nabla's.
import dev.nabla.nn.Module;
