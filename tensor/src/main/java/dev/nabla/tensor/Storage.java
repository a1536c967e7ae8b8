package dev.nabla.tensor;

/**
 * The flat buffer behind a tensor and all its views, with a version counter that every in-place
 * write bumps: autograd compares it with the version it saved to detect a tensor modified after
 * the graph recorded it.
 */
final class Storage {
    final float[] data;
    private int version;

    Storage(float[] data) {
        this.data = data;
    }

    int version() {
        return version;
    }

    void bump() {
        version++;
    }
}
