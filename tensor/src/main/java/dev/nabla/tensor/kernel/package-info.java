/**
 * The compute kernels: SIMD loops over float arrays with offsets (Vector API, scalar tails), and
 * the one shared thread pool ({@link Parallel}) they split work over.
 * Every module above {@code tensor} calls these instead of looping over elements itself.
 */
package dev.nabla.tensor.kernel;
