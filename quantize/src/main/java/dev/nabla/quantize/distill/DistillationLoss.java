package dev.nabla.quantize.distill;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.Loss;
import dev.nabla.nn.Module;

/**
 * Hinton et al.'s knowledge-distillation loss as a reusable loss object:
 * {@code alpha * T^2 * KL(softmax(teacher / T) || softmax(student / T)) + (1 - alpha) *
 * crossEntropy(student, y)}, see {@link Functional#distillationLoss}. The teacher's logits get no
 * gradient.
 *
 * <pre>{@code
 * DistillationLoss kd = new DistillationLoss(4.0, 0.7);
 * Teacher teacher = Teacher.of(bigModel);
 * Variable loss = kd.call(student.call(x), teacher.logits(x), y);
 * loss.backward();
 * }</pre>
 */
public final class DistillationLoss {
    private final double temperature;
    private final double alpha;

    /**
     * @param temperature softens both distributions, {@code > 0} (Hinton uses 2 to 20)
     * @param alpha       weight of the teacher term in [0, 1]; {@code 1 - alpha} weights the labels
     */
    public DistillationLoss(double temperature, double alpha) {
        if (!(temperature > 0) || !Double.isFinite(temperature)) {
            throw new IllegalArgumentException(
                    "DistillationLoss: the temperature must be a positive number, got " + temperature);
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("DistillationLoss: alpha must be in [0, 1], got " + alpha);
        }
        this.temperature = temperature;
        this.alpha = alpha;
    }

    /** The loss of the student's logits given the teacher's logits and the labels, batch-averaged. */
    public Variable call(Variable student, Variable teacher, Variable target) {
        return Functional.distillationLoss(student, teacher, target, temperature, alpha);
    }

    /**
     * This loss as an ordinary {@link Loss} of (student logits, labels) for a training loop that
     * knows nothing of teachers (the library Trainer): a forward pre-hook on {@code student} keeps
     * its latest input, on which the teacher's logits are computed. Close it to remove the hook.
     *
     * <pre>{@code
     * try (DistillationLoss.Bound loss = new DistillationLoss(4, 0.7).bind(teacher, student)) {
     *     new Trainer(student, optimizer, Trainer.options().loss(loss)).fit(train);
     * }
     * }</pre>
     */
    public Bound bind(Teacher teacher, Module student) {
        Variable[] last = new Variable[1];
        Module.HookHandle h = student.registerForwardPreHook((m, x) -> {
            last[0] = x;
            return null;
        });
        return new Bound(this, teacher, last, h);
    }

    /** A distillation loss bound to a teacher and a student, see {@link #bind}. */
    public static final class Bound implements Loss, AutoCloseable {
        private final DistillationLoss loss;
        private final Teacher teacher;
        private final Variable[] input;
        private final Module.HookHandle hook;

        private Bound(DistillationLoss loss, Teacher teacher, Variable[] input, Module.HookHandle hook) {
            this.loss = loss;
            this.teacher = teacher;
            this.input = input;
            this.hook = hook;
        }

        @Override
        public Variable call(Variable studentLogits, Variable target) {
            if (input[0] == null) {
                throw new IllegalStateException("DistillationLoss.Bound: the student has not been called yet");
            }
            return loss.call(studentLogits, teacher.logits(input[0]), target);
        }

        /** Removes the hook on the student. */
        @Override
        public void close() {
            hook.remove();
        }
    }

    public double temperature() {
        return temperature;
    }

    public double alpha() {
        return alpha;
    }

    @Override
    public String toString() {
        return "DistillationLoss(temperature=" + temperature + ", alpha=" + alpha + ")";
    }
}
