package dev.nabla.quantize.distill;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.Module;
import java.util.Objects;

/**
 * A frozen teacher for distillation: in eval mode (batch norm uses its running statistics, dropout
 * is off), its parameters no longer require gradients, and its logits are computed without
 * recording a graph, so training the student never touches it.
 *
 * <pre>{@code
 * Module big = Models.create("resnet20", 3, 32, 10, new Generator(0));
 * big.loadStateDict(SafeTensors.read(Path.of("teacher/model.safetensors")));
 * Teacher teacher = Teacher.of(big);
 * teacher.checkCompatible(student, x);       // same class count, or a clear error
 * Variable t = teacher.logits(x);            // no graph, no gradient
 * }</pre>
 */
public final class Teacher {
    private final Module model;

    private Teacher(Module model) {
        this.model = model;
    }

    /** Freezes {@code model} (eval mode, no gradients) and wraps it. */
    public static Teacher of(Module model) {
        Objects.requireNonNull(model, "model");
        model.eval();
        for (Variable p : model.parameters()) {
            p.requiresGrad(false);
        }
        return new Teacher(model);
    }

    /** The frozen model. */
    public Module model() {
        return model;
    }

    /** The teacher's logits for {@code x}, computed in eval mode without a graph. */
    public Variable logits(Variable x) {
        model.eval();
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            return Variable.of(model.call(x).data());
        }
    }

    /**
     * Runs teacher and student on a sample batch and checks they predict the same number of classes.
     *
     * @throws IllegalArgumentException naming both class counts when they differ
     */
    public void checkCompatible(Module student, Variable sample) {
        int teacherClasses = logits(sample).size(1);
        boolean training = student.isTraining();
        int studentClasses;
        student.eval();
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            studentClasses = student.call(sample).size(1);
        } finally {
            student.train(training);
        }
        if (teacherClasses != studentClasses) {
            throw new IllegalArgumentException(
                    "distillation: the teacher (" + model.getClass().getSimpleName()
                            + ") predicts " + teacherClasses + " classes but the student ("
                            + student.getClass().getSimpleName()
                            + ") " + studentClasses + "; train the teacher on the student's data set");
        }
    }
}
