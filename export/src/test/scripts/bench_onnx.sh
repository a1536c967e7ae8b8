#!/usr/bin/env bash
# The exported VGG-style CNN in ONNX Runtime Java against Nabla (BENCHMARKS.md): three rounds,
# alternating the two sides, each in its own JVM under nice -n -19 (needs root; other work on the
# machine then yields to it). Run from anywhere; it compiles this checkout first and runs its
# classes directly (not through ~/.m2, which other builds may change meanwhile).
set -euo pipefail
cd "$(dirname "$0")/../../../.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
mvn -B -q -pl export -am test-compile -Dmaven.javadoc.skip=true >/dev/null
ort=$(find ~/.m2/repository/com/microsoft/onnxruntime/onnxruntime/1.29.0 -name 'onnxruntime-1.29.0.jar')
cp=export/target/test-classes
for m in tensor autograd nn optim export; do cp=$cp:$m/target/classes; done
for round in 1 2 3; do
  for side in nabla ort; do
    nice -n -19 "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
      -XX:+UseParallelGC -cp "$cp:$ort" dev.nabla.export.onnx.OnnxRuntimeBenchmark $side 2>/dev/null \
      | sed "s/^/round $round /"
  done
done
