/**
 * Placeholder until its issue lands.
 */
package dev.nabla.nn;
