/**
 * Training as a library: {@link Trainer} runs the loop (Keras' {@code fit},
 * Lightning's {@code Trainer}) with validation, {@link Metrics} (accuracy,
 * per-class precision, recall and F1, the confusion matrix), a progress bar, gradient clipping and
 * accumulation, divergence detection and exact resume; {@link Callback}s extend
 * it: {@link EarlyStopping}, {@link ModelCheckpoint} (best and
 * last), {@link CsvLogger}, {@link LearningRateMonitor}.
 * {@link RunDirectory} gives each run a folder of its own, locked while it runs.
 *
 * <pre>{@code
 * var trainer = new Trainer(model, new Adam(model.parameters(), 1e-3), Trainer.options()
 *         .epochs(10)
 *         .callbacks(new EarlyStopping(Monitor.VAL_LOSS, 3), new ModelCheckpoint(Path.of("runs/a"), Monitor.VAL_LOSS)));
 * History h = trainer.fit(trainLoader, valLoader);
 * System.out.println(trainer.evaluate(testLoader).report());
 * }</pre>
 */
package dev.nabla.train;
