/**
 * Optimizers, learning-rate schedules and gradient clipping, shaped like {@code torch.optim}.
 *
 * <p>{@link SGD}, {@link Adam}, {@link AdamW} and
 * {@link RMSprop} update the parameters ({@link Variable}s) in
 * place with one fused step per parameter ({@link OptimizerUpdates}),
 * computing what PyTorch computes (checked against PyTorch trajectories). Options can differ per
 * {@link ParamGroup}. A {@link Schedule} is a closed-form rate per
 * step; an {@link LrScheduler} applies one to an optimizer. Optimizer and scheduler
 * states ({@code stateDict()}) restore training exactly; module {@code export} saves them to disk.
 *
 * <pre>{@code
 * AdamW opt = new AdamW(model.parameters(), 3e-4).weightDecay(0.1);
 * LrScheduler sched = new LrScheduler(opt, Schedule.warmup(100, 0.01, Schedule.cosine(900, 0)));
 * for (int step = 0; step < 1000; step++) {
 *     opt.zeroGrad();
 *     Variable loss = Functional.mseLoss(model.call(x), y);
 *     loss.backward();
 *     GradClip.clipGradNorm(model.parameters(), 1.0);
 *     opt.step();
 *     sched.step();
 * }
 * }</pre>
 */
package dev.nabla.optim;

import dev.nabla.autograd.Variable;
import dev.nabla.tensor.OptimizerUpdates;
