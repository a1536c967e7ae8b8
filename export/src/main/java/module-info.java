/** Checkpoint formats (safetensors, training state) and inference from a saved model. */
module dev.nabla.export {
    requires transitive dev.nabla.nn;
    requires transitive dev.nabla.optim;

    exports dev.nabla.export;
    exports dev.nabla.inference;
}
