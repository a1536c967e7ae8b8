package dev.nabla.quantize.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.GradCheck;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.testing.Goldens;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The Hinton loss against PyTorch (make_prune_goldens.py), by finite differences, and its guards. */
class DistillationLossTest {

    static Stream<String> cases() {
        return Arrays.stream(Goldens.load("prune_index").meta("distill").split(" "));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void lossAndGradientMatchPyTorch(String name) {
        Goldens g = Goldens.load("distill_" + name);
        Variable student = Variable.parameter(g.tensor("student"));
        Variable teacher = Variable.of(g.tensor("teacher"));
        Variable target = Variable.of(g.tensor("target"));
        DistillationLoss kd = new DistillationLoss(g.metaDouble("temperature"), g.metaDouble("alpha"));
        Variable loss = kd.call(student, teacher, target);
        g.assertClose("loss", loss.data(), 1e-5, 1e-6);
        loss.backward();
        g.assertClose("grad", student.gradTensor(), 1e-4, 1e-6);
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        Generator gen = new Generator(5);
        Variable student = Variable.parameter(Tensor.randn(gen, 4, 6));
        Variable teacher = Variable.of(Tensor.randn(gen, 4, 6).mul(2f));
        Variable target = Variable.of(Tensor.randint(gen, 0, 6, 4));
        GradCheck.check(v -> Functional.distillationLoss(v[0], teacher, target, 3.0, 0.6), student);
    }

    @Test
    void theTeacherGetsNoGradient() {
        Generator gen = new Generator(6);
        Variable student = Variable.parameter(Tensor.randn(gen, 3, 4));
        Variable teacher = Variable.parameter(Tensor.randn(gen, 3, 4));
        Functional.distillationLoss(student, teacher, Variable.of(Tensor.randint(gen, 0, 4, 3)), 2, 0.5)
                .backward();
        assertNull(teacher.gradTensor());
    }

    @Test
    void aFrozenTeacherIsInEvalModeWithoutGradients() {
        Generator gen = new Generator(7);
        Sequential big = new Sequential(new Linear(5, 10, gen));
        Teacher t = Teacher.of(big);
        assertFalse(big.isTraining());
        big.parameters().forEach(p -> assertFalse(p.requiresGrad()));
        Variable logits = t.logits(Variable.randn(gen, 2, 5));
        assertFalse(logits.requiresGrad());
        assertEquals(10, logits.size(1));
    }

    @Test
    void badInputIsRefusedWithAClearMessage() {
        Generator gen = new Generator(8);
        Variable s = Variable.randn(gen, 2, 10);
        Variable y = Variable.of(Tensor.randint(gen, 0, 10, 2));
        String classes = assertThrows(
                        IllegalArgumentException.class,
                        () -> new DistillationLoss(4, 0.5).call(s, Variable.randn(gen, 2, 100), y))
                .getMessage();
        assertTrue(classes.contains("teacher predicts 100 classes but the student 10"), classes);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(0, 0.5))
                .getMessage()
                .contains("temperature"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(2, 1.5))
                .getMessage()
                .contains("alpha must be in [0, 1]"));
        Teacher teacher = Teacher.of(new Sequential(new Linear(5, 100, gen)));
        String mismatch = assertThrows(
                        IllegalArgumentException.class,
                        () -> teacher.checkCompatible(
                                new Sequential(new Linear(5, 10, gen)), Variable.randn(gen, 1, 5)))
                .getMessage();
        assertTrue(mismatch.contains("predicts 100 classes but the student (Sequential) 10"), mismatch);
    }
}
