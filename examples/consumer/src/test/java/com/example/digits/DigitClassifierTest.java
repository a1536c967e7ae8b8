package com.example.digits;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.nn.Sequential;
import dev.nabla.nn.data.Mnist;
import dev.nabla.nn.data.Split;
import dev.nabla.tensor.Generator;
import org.junit.jupiter.api.Test;

class DigitClassifierTest {
    private final Split digits = Mnist.embedded();

    @Test
    void untrainedModelIsNearChance() {
        double accuracy = DigitClassifier.accuracy(DigitClassifier.model(new Generator(7)), digits);
        assertTrue(accuracy < 0.3, "an untrained model should guess, but scored " + accuracy);
    }

    @Test
    void oneEpochLearnsTheDigits() {
        Sequential model = DigitClassifier.train(digits, 1, 42);
        double accuracy = DigitClassifier.accuracy(model, digits);
        // Chance is 10%; one epoch of this CNN reaches about 95% on the held-out 2,000.
        assertTrue(accuracy > 0.9, "held-out accuracy after one epoch: " + accuracy);
    }
}
