package dev.nabla.samples;

/** Placeholder front end. */
public final class Main {
    public static void main(String[] args) {
        System.out.println("nabla");
    }
}
