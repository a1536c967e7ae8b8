package dev.nabla.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * The second run of the kernel tests (tensor/pom.xml, execution {@code avx2}) must really run
 * 256-bit vectors, or it would test the AVX-512 paths twice and the AVX2 ones never.
 */
class SpeciesTest {

    @Test
    void theRunHasTheVectorWidthItAskedFor() {
        String expected = System.getProperty("nabla.test.vectorBits");
        assumeTrue(expected != null, "the default run: any width");
        assumeTrue("amd64".equals(System.getProperty("os.arch")), "-XX:UseAVX is an x86 flag");
        assertEquals(Integer.parseInt(expected), FloatVector.SPECIES_PREFERRED.vectorBitSize());
        assertEquals(Integer.parseInt(expected) / 32, Lanes.SPECIES.length());
    }
}
