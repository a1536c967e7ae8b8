package dev.nabla.export.onnx;

import dev.nabla.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds exact GELU written in opset-17 terms, {@code Mul(Mul(x, Add(Erf(Div(x, sqrt 2)), 1)), 0.5)}
 * (how torch.onnx and Nabla's export write it), and replaces the five nodes by one {@code Gelu}
 * node (the opset-20 operator), which Nabla runs as one fused operation. An {@code Erf} outside
 * that pattern is left alone, and the import then names it as unsupported.
 */
final class GeluFusion {
    private GeluFusion() {}

    static List<Proto.Node> fuse(List<Proto.Node> nodes, Map<String, Tensor> constants) {
        Map<String, Proto.Node> producer = new HashMap<>();
        Map<String, List<Proto.Node>> consumers = new HashMap<>();
        for (Proto.Node n : nodes) {
            n.outputs().forEach(o -> producer.put(o, n));
            n.inputs()
                    .forEach(i ->
                            consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n));
        }
        Set<Proto.Node> removed = new HashSet<>();
        Map<Proto.Node, Proto.Node> replaced = new HashMap<>();
        for (Proto.Node erf : nodes) {
            if (!erf.opType().equals("Erf") || erf.inputs().size() != 1) {
                continue;
            }
            Proto.Node div = producer.get(erf.inputs().get(0));
            if (div == null || !div.opType().equals("Div") || !isConstant(div.inputs(), 1, Math.sqrt(2), constants)) {
                continue;
            }
            String x = div.inputs().get(0);
            Proto.Node add = only(consumers.get(erf.outputs().get(0)));
            String afterAdd = add == null || !add.opType().equals("Add")
                    ? null
                    : other(add, erf.outputs().get(0));
            if (afterAdd == null || !isValue(afterAdd, 1, constants)) {
                continue;
            }
            Proto.Node mulX = only(consumers.get(add.outputs().get(0)));
            if (mulX == null
                    || !mulX.opType().equals("Mul")
                    || !x.equals(other(mulX, add.outputs().get(0)))) {
                continue;
            }
            Proto.Node half = only(consumers.get(mulX.outputs().get(0)));
            String h = half == null || !half.opType().equals("Mul")
                    ? null
                    : other(half, mulX.outputs().get(0));
            if (h == null || !isValue(h, 0.5, constants)) {
                continue;
            }
            if (consumers.get(div.outputs().get(0)).size() != 1) {
                continue;
            }
            removed.add(div);
            removed.add(erf);
            removed.add(add);
            removed.add(mulX);
            replaced.put(half, new Proto.Node(half.name(), "Gelu", "", List.of(x), half.outputs(), List.of()));
        }
        List<Proto.Node> out = new ArrayList<>();
        for (Proto.Node n : nodes) {
            if (!removed.contains(n)) {
                out.add(replaced.getOrDefault(n, n));
            }
        }
        return out;
    }

    private static Proto.Node only(List<Proto.Node> list) {
        return list != null && list.size() == 1 ? list.get(0) : null;
    }

    /** The input of a two-input node that is not {@code known}, or null. */
    private static String other(Proto.Node n, String known) {
        if (n.inputs().size() != 2) {
            return null;
        }
        return n.inputs().get(0).equals(known)
                ? n.inputs().get(1)
                : n.inputs().get(1).equals(known) ? n.inputs().get(0) : null;
    }

    private static boolean isConstant(List<String> inputs, int i, double v, Map<String, Tensor> constants) {
        return inputs.size() == 2 && isValue(inputs.get(i), v, constants);
    }

    private static boolean isValue(String name, double v, Map<String, Tensor> constants) {
        Tensor t = constants.get(name);
        return t != null && t.numel() == 1 && Math.abs(t.toFloat().reshape(1).get(0) - v) < 1e-6 * Math.max(1, v);
    }
}
