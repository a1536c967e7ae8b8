package dev.nabla.tensor.kernel;

/**
 * The elementwise unary operations of {@link Elementwise}.
 */
public enum UnaryOp {
    NEG("neg"), ABS("abs"), EXP("exp"), LOG("log"), SQRT("sqrt"), RSQRT("rsqrt"), TANH("tanh"),
    SIGMOID("sigmoid"), RELU("relu"), GELU("gelu"), SQUARE("square"), RECIPROCAL("reciprocal"),
    SIGN("sign");

    private final String label;

    UnaryOp(String label) {
        this.label = label;
    }

    /** The operation's name as the tensor API spells it. */
    public String label() {
        return label;
    }

    /** Scalar definition; the SIMD loops in {@link Elementwise} must agree with it to float rounding. */
    public float apply(float x) {
        return switch (this) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case EXP -> (float) Math.exp(x);
            case LOG -> (float) Math.log(x);
            case SQRT -> (float) Math.sqrt(x);
            case RSQRT -> (float) (1.0 / Math.sqrt(x));
            case TANH -> (float) Math.tanh(x);
            case SIGMOID -> (float) (1.0 / (1.0 + Math.exp(-x)));
            case RELU -> x > 0f ? x : (x == x ? 0f : x);
            case GELU -> (float) (0.5 * x * (1.0 + Erf.erf(x * Erf.INV_SQRT2)));
            case SQUARE -> x * x;
            case RECIPROCAL -> 1f / x;
            case SIGN -> x > 0f ? 1f : (x < 0f ? -1f : (x == x ? 0f : x));
        };
    }
}
