package dev.nabla.samples.train;

import dev.nabla.nn.Module;
import dev.nabla.samples.cli.Args;
import java.io.File;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A model class of the user's, for {@code ./nabla train --model com.example.MyNet --class-path
 * DIR_OR_JAR}: the CLI's data, reports and checkpoints for a model the zoo does not have.
 *
 * <p>The contract: a public class extending {@code dev.nabla.nn.Module}, with a public constructor
 * {@code (int channels, int height, int width, int classes)}, called with the data set's image
 * shape and class count; or, if it has none, a public no-argument constructor (the model must then
 * fit the data set by itself). Its {@code forward} maps {@code [N, channels, height, width]} images
 * to {@code [N, classes]} logits. Initialise it from a fixed {@code Generator} for repeatable runs.
 *
 * <pre>{@code
 * public class MyNet extends Module {
 *     final Linear fc;
 *     public MyNet(int channels, int height, int width, int classes) {
 *         fc = registerModule("fc", new Linear(channels * height * width, classes, new Generator(0)));
 *     }
 *     protected Variable forward(Variable x) { return fc.call(x.flatten(1, 3)); }
 * }
 * }</pre>
 */
final class UserModel {
    private UserModel() {}

    static Module create(String className, String classPath, int channels, int height, int width, int classes)
            throws IOException {
        ClassLoader loader = loader(className, classPath);
        Class<?> c;
        try {
            c = Class.forName(className, true, loader);
        } catch (ClassNotFoundException e) {
            throw new Args.UsageException("--model " + className + ": class not found"
                    + (classPath == null
                            ? " (give its folder or jar with --class-path)"
                            : " on --class-path " + classPath));
        } catch (LinkageError e) {
            throw new IllegalArgumentException("--model " + className + ": the class does not load: " + e, e);
        }
        if (!Module.class.isAssignableFrom(c)) {
            throw new Args.UsageException("--model " + className + " is not a dev.nabla.nn.Module");
        }
        if (!Modifier.isPublic(c.getModifiers()) || Modifier.isAbstract(c.getModifiers())) {
            throw new Args.UsageException("--model " + className + " must be a public, non-abstract class");
        }
        try {
            try {
                Constructor<?> shaped = c.getConstructor(int.class, int.class, int.class, int.class);
                return (Module) shaped.newInstance(channels, height, width, classes);
            } catch (NoSuchMethodException e) {
                try {
                    return (Module) c.getConstructor().newInstance();
                } catch (NoSuchMethodException none) {
                    throw new Args.UsageException("--model " + className + " needs a public constructor (int channels, "
                            + "int height, int width, int classes) or a public no-argument one");
                }
            }
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException(
                    "--model " + className + ": its constructor failed: " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("--model " + className + ": cannot construct it: " + e, e);
        }
    }

    /** The class path's folders and jars (separated by the platform's path separator) over ours. */
    private static ClassLoader loader(String className, String classPath) throws IOException {
        if (classPath == null) {
            return UserModel.class.getClassLoader();
        }
        List<URL> urls = new ArrayList<>();
        for (String entry : classPath.split(File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            Path p = Path.of(entry);
            if (!Files.exists(p)) {
                throw new NoSuchFileException(p.toString(), null, "--class-path entry not found");
            }
            try {
                urls.add(p.toUri().toURL());
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException("--class-path entry " + p + ": " + e.getMessage(), e);
            }
        }
        // Lives as long as the model: the process.
        return new URLClassLoader(
                "user-model " + className, urls.toArray(URL[]::new), UserModel.class.getClassLoader());
    }
}
