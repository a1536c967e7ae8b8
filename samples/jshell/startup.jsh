// Loaded by ./nabla jshell: Nabla's packages, ready to use.
import dev.nabla.tensor.*;
import dev.nabla.autograd.*;
import dev.nabla.nn.*;
import dev.nabla.optim.*;
import dev.nabla.export.*;
