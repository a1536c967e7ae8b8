// Loaded by ./nabla jshell: Nabla's packages, ready to use.
import dev.nabla.tensor.*;
import dev.nabla.autograd.*;
import dev.nabla.nn.*;
