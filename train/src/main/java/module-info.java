/** The training loop as a library: {@code Trainer}, metrics, callbacks and run folders. */
module dev.nabla.train {
    requires transitive dev.nabla.export;
    requires java.management;

    exports dev.nabla.train;
}
