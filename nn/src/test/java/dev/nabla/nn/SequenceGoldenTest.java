package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.nabla.autograd.Functional.AttentionOutput;
import dev.nabla.autograd.Variable;
import dev.nabla.nn.testing.Goldens;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The sequence layers against PyTorch 1.13 (goldens from {@code src/test/python/goldens_rnn.py}):
 * PyTorch's state dict is loaded strictly (so names, order and shapes must match), the same
 * inputs are run, and outputs, final states, head-averaged attention weights and the gradients of
 * inputs and parameters under the stored random projections must agree.
 *
 * <p>Tolerance: {@value #RTOL} relative, with an absolute floor of {@value #ATOL} for values near
 * zero (sums that cancel keep float32 rounding of their larger terms).
 */
class SequenceGoldenTest {
    static final double RTOL = 1e-4;
    static final double ATOL = 1e-5;

    /** Loads the golden's parameters into {@code m} after checking the key lists agree in order. */
    static void loadParams(Goldens g, Module m) {
        List<String> ours = new ArrayList<>(m.stateDict().keySet());
        assertEquals(List.of(g.meta("state_dict_keys").split(" ")), ours, "state dict keys");
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String k : ours) {
            state.put(k, g.tensor("param." + k));
        }
        m.loadStateDict(state);
    }

    static Variable input(Goldens g, String key) {
        return Variable.of(g.tensor(key).copy()).requiresGrad(true);
    }

    /** Backward of sum(result * r) over the results, then compares results and gradients. */
    static void check(Goldens g, Module m, Map<String, Variable> inputs, Map<String, Variable> results) {
        Variable total = null;
        for (var e : results.entrySet()) {
            g.assertClose(e.getKey(), e.getValue().data(), RTOL, ATOL);
            Variable term =
                    e.getValue().mul(Variable.of(g.tensor("r." + e.getKey()))).sum();
            total = total == null ? term : total.add(term);
        }
        assertNotNull(total);
        total.backward();
        for (var e : inputs.entrySet()) {
            g.assertClose("grad." + e.getKey(), e.getValue().gradTensor(), RTOL, ATOL);
        }
        for (var e : m.namedParameters().entrySet()) {
            g.assertClose("grad.param." + e.getKey(), e.getValue().gradTensor(), RTOL, ATOL);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"rnn_lstm_l1", "rnn_lstm_l1_bf_state", "rnn_lstm_l2_state", "rnn_lstm_l2_bf"})
    void lstm(String name) {
        Goldens g = Goldens.load(name);
        LSTM m = new LSTM(
                g.metaInt("input"),
                g.metaInt("hidden"),
                LSTM.options()
                        .numLayers(g.metaInt("layers"))
                        .batchFirst(g.metaBool("batch_first"))
                        .generator(new Generator(0)));
        loadParams(g, m);
        Map<String, Variable> inputs = new LinkedHashMap<>();
        inputs.put("x", input(g, "x"));
        LSTM.Output r;
        if (g.metaBool("with_state")) {
            inputs.put("h0", input(g, "h0"));
            inputs.put("c0", input(g, "c0"));
            r = m.call(inputs.get("x"), inputs.get("h0"), inputs.get("c0"));
        } else {
            r = m.call(inputs.get("x"), null, null);
        }
        check(g, m, inputs, Map.of("output", r.output(), "h", r.h(), "c", r.c()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"rnn_lstmcell", "rnn_lstmcell_state"})
    void lstmCell(String name) {
        Goldens g = Goldens.load(name);
        LSTMCell m = new LSTMCell(g.metaInt("input"), g.metaInt("hidden"), new Generator(0));
        loadParams(g, m);
        Map<String, Variable> inputs = new LinkedHashMap<>();
        inputs.put("x", input(g, "x"));
        LSTMCell.State s;
        if (g.metaBool("with_state")) {
            inputs.put("h0", input(g, "h0"));
            inputs.put("c0", input(g, "c0"));
            s = m.call(inputs.get("x"), inputs.get("h0"), inputs.get("c0"));
        } else {
            s = m.call(inputs.get("x"), null, null);
        }
        check(g, m, inputs, Map.of("h", s.h(), "c", s.c()));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "rnn_mha_self_h1",
                "rnn_mha_self_h4_causal_pad",
                "rnn_mha_cross_h4_pad",
                "rnn_mha_cross_h1_bf_causal",
                "rnn_mha_self_h4_bf_pad"
            })
    void multiheadAttention(String name) {
        Goldens g = Goldens.load(name);
        MultiheadAttention m = new MultiheadAttention(
                g.metaInt("embed"),
                g.metaInt("heads"),
                MultiheadAttention.options()
                        .batchFirst(g.metaBool("batch_first"))
                        .generator(new Generator(0)));
        loadParams(g, m);
        Map<String, Variable> inputs = new LinkedHashMap<>();
        Variable q = input(g, "query");
        inputs.put("query", q);
        Variable k = q;
        Variable v = q;
        if (!g.metaBool("self_attn")) {
            k = input(g, "key");
            v = input(g, "value");
            inputs.put("key", k);
            inputs.put("value", v);
        }
        Tensor kpm = g.metaBool("padding") ? g.tensor("key_padding_mask") : null;
        AttentionOutput r = m.call(q, k, v, kpm, null, g.metaBool("causal"), true);
        check(g, m, inputs, Map.of("output", r.output(), "weights", r.weights()));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "rnn_encoder_relu_post",
                "rnn_encoder_gelu_pre",
                "rnn_encoder_relu_pre_bf_pad",
                "rnn_encoder_gelu_post_bf_causal_pad"
            })
    void transformerEncoderLayer(String name) {
        Goldens g = Goldens.load(name);
        var act =
                TransformerEncoderLayer.Activation.valueOf(g.meta("activation").toUpperCase());
        TransformerEncoderLayer m = new TransformerEncoderLayer(
                g.metaInt("d_model"),
                g.metaInt("heads"),
                TransformerEncoderLayer.options()
                        .dimFeedforward(g.metaInt("dim_feedforward"))
                        .dropout(0)
                        .activation(act)
                        .batchFirst(g.metaBool("batch_first"))
                        .normFirst(g.metaBool("norm_first"))
                        .generator(new Generator(0)));
        loadParams(g, m);
        Variable src = input(g, "src");
        Tensor kpm = g.metaBool("padding") ? g.tensor("key_padding_mask") : null;
        Variable out = m.call(src, null, kpm, g.metaBool("causal"));
        check(g, m, Map.of("src", src), Map.of("output", out));
    }
}
