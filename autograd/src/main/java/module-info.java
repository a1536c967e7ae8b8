/** Reverse-mode automatic differentiation over {@code dev.nabla.tensor}: {@code Variable}, the engine, {@code Functional}. */
module dev.nabla.autograd {
    requires transitive dev.nabla.tensor;

    exports dev.nabla.autograd;
}
