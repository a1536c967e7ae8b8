/**
 * Training as a library: {@link dev.nabla.train.Trainer} runs the loop (Keras' {@code fit},
 * Lightning's {@code Trainer}) with validation, {@link dev.nabla.train.Metrics} (accuracy,
 * per-class precision, recall and F1, the confusion matrix), a progress bar, gradient clipping and
 * accumulation, divergence detection and exact resume; {@link dev.nabla.train.Callback}s extend
 * it: {@link dev.nabla.train.EarlyStopping}, {@link dev.nabla.train.ModelCheckpoint} (best and
 * last), {@link dev.nabla.train.CsvLogger}, {@link dev.nabla.train.LearningRateMonitor}.
 * {@link dev.nabla.train.RunDirectory} gives each run a folder of its own, locked while it runs.
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
