package dev.nabla.nn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.nabla.autograd.Variable;
import dev.nabla.tensor.Tensor;
import dev.nabla.tensor.VectorApi;
import dev.nabla.tensor.testing.ChildJvm;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The path the issue reported: a consumer's first Nabla call builds a {@link DataLoader} over the
 * embedded digits. Without {@code --add-modules jdk.incubator.vector} it must fail with the one
 * line saying what to add (it used to be a bare {@code NoClassDefFoundError:
 * jdk/incubator/vector/Vector} from the loader's constructor); with it, it must work.
 */
class DataLoaderVectorApiTest {
    public static final class LoaderUse {
        public static void main(String[] args) {
            DataLoader loader = new DataLoader(
                    Mnist.embedded().train(),
                    DataLoader.options().batchSize(64).shuffle(true).seed(1));
            System.out.println(loader.size() + " " + Arrays.toString(loader.sampleShape()));
        }
    }

    private static ChildJvm.Result run(boolean vectorModule) throws Exception {
        return ChildJvm.run(vectorModule, LoaderUse.class, DataLoader.class, Variable.class, Tensor.class);
    }

    @Test
    void withoutTheModuleTheLoaderFailsWithTheFix() throws Exception {
        ChildJvm.Result r = run(false);
        assertEquals(1, r.exit(), r::stderr);
        assertEquals(
                "Exception in thread \"main\" java.lang.LinkageError: " + VectorApi.MISSING,
                r.firstErrorLine(),
                r::stderr);
        assertFalse(r.stderr().contains("NoClassDefFoundError"), r::stderr);
    }

    @Test
    void withTheModuleTheLoaderWorks() throws Exception {
        ChildJvm.Result r = run(true);
        assertEquals(0, r.exit(), r::stderr);
        assertEquals("125 [1, 28, 28]", r.stdout().strip(), r::stderr);
    }
}
