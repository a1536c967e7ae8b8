package dev.nabla.spark;

import dev.nabla.nn.data.ImageDataset;
import dev.nabla.nn.data.Preprocessing;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Labelled examples spread over a Spark cluster for {@link SparkTrainer} and {@link SparkEvaluator}:
 * an RDD with one cached {@link Shard} per partition (the examples of that partition packed into
 * arrays), the input shape of one example and the class names.
 *
 * <pre>{@code
 * JavaSparkContext sc = new JavaSparkContext("local[2]", "nabla");
 * Split mnist = Mnist.embedded();
 * SparkDataset train = SparkDataset.fromImages(sc, mnist.train(), Mnist.STATS, 2);
 *
 * // or from a DataFrame with an array<float> (or array<double>) column and an integer label column
 * SparkDataset fromRows = SparkDataset.fromDataFrame(df, "features", "label", new int[] {1, 28, 28}, Mnist.CLASSES);
 * }</pre>
 */
public final class SparkDataset {
    private final JavaRDD<Shard> shards;
    private final int[] inputShape;
    private final List<String> classNames;
    private final Broadcast<?> source;

    /**
     * @param shards      one shard per partition
     * @param inputShape  the shape of one example, e.g. {@code {1, 28, 28}}
     * @param classNames  the name of each class (their count is the number of classes)
     */
    public SparkDataset(JavaRDD<Shard> shards, int[] inputShape, List<String> classNames) {
        this(shards, inputShape, classNames, null);
    }

    private SparkDataset(JavaRDD<Shard> shards, int[] inputShape, List<String> classNames, Broadcast<?> source) {
        this.shards = shards;
        this.inputShape = inputShape.clone();
        this.classNames = List.copyOf(classNames);
        this.source = source;
    }

    /**
     * The images normalised by {@code pre} (the same {@link Preprocessing} a checkpoint records),
     * dealt round-robin to {@code partitions} partitions: example {@code i} goes to partition
     * {@code i % partitions}, so the split does not depend on the cluster.
     */
    public static SparkDataset fromImages(JavaSparkContext sc, ImageDataset images, Preprocessing pre, int partitions) {
        if (partitions <= 0 || partitions > images.size()) {
            throw new IllegalArgumentException(
                    "SparkDataset.fromImages: " + partitions + " partitions for " + images.size() + " images");
        }
        int n = images.imageSize();
        List<Shard> shards = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            int count = (images.size() - p + partitions - 1) / partitions;
            byte[] pixels = new byte[count * n];
            int[] labels = new int[count];
            for (int j = 0; j < count; j++) {
                int i = p + j * partitions;
                System.arraycopy(images.pixels(i), 0, pixels, j * n, n);
                labels[j] = images.label(i);
            }
            shards.add(new Shard(pre.apply(pixels).toArray(), labels, n));
        }
        // The shards travel once per executor as a broadcast, and the cached RDD holds only
        // partition numbers: an RDD parallelized from the shards themselves would carry them inside
        // every task of every round.
        Broadcast<List<Shard>> all = sc.broadcast(shards);
        List<Integer> ids = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            ids.add(p);
        }
        JavaRDD<Shard> rdd =
                sc.parallelize(ids, partitions).map(p -> all.value().get(p)).persist(StorageLevel.MEMORY_ONLY());
        return new SparkDataset(
                rdd, new int[] {images.channels(), images.height(), images.width()}, pre.classNames(), all);
    }

    /**
     * The rows of a DataFrame: {@code featuresCol} an array of numbers (float or double) of
     * {@code product(inputShape)} values, already normalised; {@code labelCol} an integer class
     * index. Each partition of the DataFrame becomes one shard.
     */
    public static SparkDataset fromDataFrame(
            Dataset<Row> df, String featuresCol, String labelCol, int[] inputShape, List<String> classNames) {
        int n = Arrays.stream(inputShape).reduce(1, Math::multiplyExact);
        int classes = classNames.size();
        JavaRDD<Shard> rdd = df.select(featuresCol, labelCol)
                .javaRDD()
                .mapPartitions((Iterator<Row> rows) ->
                        List.of(pack(rows, n, classes, featuresCol)).iterator())
                .persist(StorageLevel.MEMORY_ONLY());
        return new SparkDataset(rdd, inputShape, classNames);
    }

    private static Shard pack(Iterator<Row> rows, int n, int classes, String featuresCol) {
        float[] features = new float[1024 * n];
        int[] labels = new int[1024];
        int count = 0;
        while (rows.hasNext()) {
            Row row = rows.next();
            List<Object> values = row.getList(0);
            if (values.size() != n) {
                throw new IllegalArgumentException("SparkDataset.fromDataFrame: column " + featuresCol + " holds "
                        + values.size() + " values in a row, the input shape needs " + n);
            }
            int label = ((Number) row.get(1)).intValue();
            if (label < 0 || label >= classes) {
                throw new IllegalArgumentException(
                        "SparkDataset.fromDataFrame: label " + label + " outside 0.." + (classes - 1));
            }
            if (count == labels.length) {
                labels = Arrays.copyOf(labels, 2 * count);
                features = Arrays.copyOf(features, 2 * count * n);
            }
            for (int j = 0; j < n; j++) {
                features[count * n + j] = ((Number) values.get(j)).floatValue();
            }
            labels[count++] = label;
        }
        return new Shard(Arrays.copyOf(features, count * n), Arrays.copyOf(labels, count), n);
    }

    /**
     * The images as a DataFrame of {@code features} (array&lt;float&gt;, normalised by {@code pre}) and
     * {@code label} (int), in {@code partitions} partitions: the input {@link #fromDataFrame} and
     * {@link SparkInference} take.
     */
    public static Dataset<Row> toDataFrame(SparkSession spark, ImageDataset images, Preprocessing pre, int partitions) {
        float[] all = pre.apply(allPixels(images)).toArray();
        int n = images.imageSize();
        List<Row> rows = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            Float[] f = new Float[n];
            for (int j = 0; j < n; j++) {
                f[j] = all[i * n + j];
            }
            rows.add(RowFactory.create(f, images.label(i)));
        }
        StructType schema = new StructType()
                .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false)
                .add("label", DataTypes.IntegerType, false);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        return spark.createDataFrame(sc.parallelize(rows, partitions), schema);
    }

    private static byte[] allPixels(ImageDataset images) {
        int n = images.imageSize();
        byte[] out = new byte[images.size() * n];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(images.pixels(i), 0, out, i * n, n);
        }
        return out;
    }

    /** The cached shards, one per partition. */
    public JavaRDD<Shard> shards() {
        return shards;
    }

    /** The shape of one example. */
    public int[] inputShape() {
        return inputShape.clone();
    }

    /** The class names. */
    public List<String> classNames() {
        return classNames;
    }

    /** Number of partitions (workers that train at once). */
    public int partitions() {
        return shards.getNumPartitions();
    }

    /** Number of examples (runs a small job). */
    public long count() {
        return shards.map(Shard::size).reduce(Integer::sum);
    }

    /** Frees the cached shards (and the broadcast they were built from). */
    public void unpersist() {
        shards.unpersist(false);
        if (source != null) {
            source.destroy();
        }
    }
}
