package dev.nabla.quantize.distill;

import dev.nabla.autograd.Functional;
import dev.nabla.autograd.Variable;

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
