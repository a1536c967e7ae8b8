/** Checkpoint formats (safetensors, training state), inference from a saved model, and ONNX export and import. */
module dev.nabla.export {
    requires transitive dev.nabla.nn;
    requires transitive dev.nabla.optim;

    exports dev.nabla.export;
    exports dev.nabla.export.onnx;
    exports dev.nabla.inference;
}
