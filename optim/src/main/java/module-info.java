/** Optimizers, learning-rate schedules and gradient clipping. */
module dev.nabla.optim {
    requires transitive dev.nabla.autograd;

    exports dev.nabla.optim;
}
