package dev.nabla.nn.data;

/**
 * A fixed-size collection of labelled examples, indexed from 0, as in PyTorch's map-style
 * {@code Dataset}. {@link DataLoader} batches any implementation; {@link ImageDataset} is the
 * compact in-memory one the readers return, and the loader converts it without calling
 * {@link #get(int)}.
 *
 * <pre>{@code
 * Dataset squares = new Dataset() {
 *     public int size() { return 100; }
 *     public Sample get(int i) { return new Sample(Tensor.of(i, i * i), i % 2); }
 * };
 * new DataLoader(squares, DataLoader.options().batchSize(10).shuffle(true)).size();   // 10 batches
 * }</pre>
 */
public interface Dataset {

    /** Number of examples. */
    int size();

    /**
     * Example {@code index}: every example of a data set must have the same input shape. Called
     * from the loader's background thread, so implementations must be safe to read from another
     * thread (immutable data is).
     */
    Sample get(int index);
}
