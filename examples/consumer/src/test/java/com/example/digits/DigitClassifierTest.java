package com.example.digits;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.nn.Sequential;
import dev.nabla.nn.data.Mnist;
import dev.nabla.nn.data.Split;
import dev.nabla.tensor.Generator;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class DigitClassifierTest {
    private final Split digits = Mnist.embedded();

    @Test
    void untrainedModelIsNearChance() {
        double accuracy = DigitClassifier.test(DigitClassifier.model(new Generator(7)), digits)
                .accuracy();
        assertTrue(accuracy < 0.3, "an untrained model should guess, but scored " + accuracy);
    }

    @Test
    void oneEpochLearnsTheDigits() throws IOException {
        Sequential model = DigitClassifier.train(digits, 1, 42, null);
        double accuracy = DigitClassifier.test(model, digits).accuracy();
        // Chance is 10%; one epoch of this CNN reaches about 95% on the held-out 2,000.
        assertTrue(accuracy > 0.9, "held-out accuracy after one epoch: " + accuracy);
    }
}
