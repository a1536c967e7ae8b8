package dev.nabla.spark;

import dev.nabla.autograd.Autograd;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.Module;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Batch inference over a DataFrame: the weights are broadcast once (Spark ships them to each
 * executor once), each executor builds its model once per task slot and reuses it, and
 * {@code mapPartitions} runs it on batches of rows. The result is the input with two columns
 * added: {@code prediction} (the class index, int) and {@code probability} (the softmax of the
 * outputs, array&lt;float&gt;).
 *
 * <pre>{@code
 * Dataset<Row> scored = SparkInference.predict(df, "features", ModelFactory.zoo("lenet5", 1, 28, 10, 0),
 *         trained.stateDict(), new int[] {1, 28, 28});
 * scored.groupBy("prediction").count().show();
 * }</pre>
 */
public final class SparkInference {
    /** Rows per forward pass. */
    public static final int BATCH = 256;

    private SparkInference() {}

    /**
     * @param df          any DataFrame with {@code featuresCol}: array of numbers (float or double),
     *                    already normalised, {@code product(inputShape)} per row
     * @param factory     builds the model on the executors
     * @param weights     the model's state dict (parameters and buffers)
     * @param inputShape  the shape of one example, e.g. {@code {1, 28, 28}}
     */
    public static Dataset<Row> predict(
            Dataset<Row> df, String featuresCol, ModelFactory factory, Map<String, Tensor> weights, int[] inputShape) {
        int column = Arrays.asList(df.columns()).indexOf(featuresCol);
        if (column < 0) {
            throw new IllegalArgumentException(
                    "SparkInference.predict: no column '" + featuresCol + "' in " + Arrays.toString(df.columns()));
        }
        JavaSparkContext sc =
                JavaSparkContext.fromSparkContext(df.sparkSession().sparkContext());
        Broadcast<Packed> bw = sc.broadcast(Packed.of(weights));
        String key = "infer-" + bw.id();
        int[] shape = inputShape.clone();
        StructType out = df.schema()
                .add("prediction", DataTypes.IntegerType, false)
                .add("probability", DataTypes.createArrayType(DataTypes.FloatType, false), false);
        MapPartitionsFunction<Row, Row> f = rows -> score(rows, column, factory, bw, key, shape);
        return df.mapPartitions(f, Encoders.row(out));
    }

    private static Iterator<Row> score(
            Iterator<Row> rows, int column, ModelFactory factory, Broadcast<Packed> bw, String key, int[] shape) {
        int n = Arrays.stream(shape).reduce(1, Math::multiplyExact);
        Module model = Replicas.borrow(key, k -> {
            Module m = Replicas.model(factory);
            m.loadStateDict(bw.value().toTensors());
            return m.eval();
        });
        List<Row> out = new ArrayList<>();
        try (Autograd.NoGrad ignored = Autograd.noGrad()) {
            List<Row> batch = new ArrayList<>(BATCH);
            while (rows.hasNext()) {
                batch.add(rows.next());
                if (batch.size() == BATCH || !rows.hasNext()) {
                    float[] x = new float[batch.size() * n];
                    for (int i = 0; i < batch.size(); i++) {
                        List<Object> values = batch.get(i).getList(column);
                        if (values.size() != n) {
                            throw new IllegalArgumentException("SparkInference.predict: a row holds " + values.size()
                                    + " features, the input shape " + Arrays.toString(shape) + " needs " + n);
                        }
                        for (int j = 0; j < n; j++) {
                            x[i * n + j] = ((Number) values.get(j)).floatValue();
                        }
                    }
                    Variable logits = model.call(Variable.of(Tensor.fromArray(x, Batches.shape(batch.size(), shape))));
                    Tensor p = logits.data().softmax(1);
                    int classes = p.size(1);
                    float[] probs = p.toArray();
                    int[] predicted = logits.data().argmax(1, false).toIntArray();
                    for (int i = 0; i < batch.size(); i++) {
                        Row r = batch.get(i);
                        Object[] v = new Object[r.length() + 2];
                        for (int j = 0; j < r.length(); j++) {
                            v[j] = r.get(j);
                        }
                        v[r.length()] = predicted[i];
                        v[r.length() + 1] = Arrays.copyOfRange(probs, i * classes, (i + 1) * classes);
                        out.add(RowFactory.create(v));
                    }
                    batch.clear();
                }
            }
        } finally {
            Replicas.giveBack(key, model);
        }
        return out.iterator();
    }
}
