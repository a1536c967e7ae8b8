/**
 * Layers, losses, models and data loading. The data pipeline's image conversion uses the Vector
 * API directly; images ({@code BufferedImage}) appear in the preprocessing API.
 */
module dev.nabla.nn {
    requires transitive dev.nabla.autograd;
    requires transitive java.desktop;
    requires jdk.incubator.vector;

    exports dev.nabla.nn;
    exports dev.nabla.nn.data;
    exports dev.nabla.nn.models;
}
