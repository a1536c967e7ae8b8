/**
 * Int8 quantization, pruning and distillation (reserved for its issue). The package
 * {@code dev.nabla.quantize} is exported here with its first class: javac refuses to export a
 * package that holds none.
 */
module dev.nabla.quantize {
    requires transitive dev.nabla.nn;
}
