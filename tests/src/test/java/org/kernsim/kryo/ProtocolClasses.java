package org.kernsim.kryo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.kernsim.protocol.WireMessage;

/**
 * Every class of the protocol module, found by listing its class files (a directory in a reactor
 * build, the jar otherwise) — so packages added later (workqueue, kprobes) are found too.
 */
final class ProtocolClasses {
  private ProtocolClasses() {}

  static List<Class<?>> all() {
    Set<String> names = new TreeSet<>();
    try {
      Path root =
          Path.of(WireMessage.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (Files.isDirectory(root)) {
        try (Stream<Path> files = Files.walk(root)) {
          files
              .filter(p -> p.toString().endsWith(".class"))
              .forEach(p -> names.add(root.relativize(p).toString().replace('\\', '/')));
        }
      } else {
        try (JarFile jar = new JarFile(root.toFile())) {
          for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
            String n = e.nextElement().getName();
            if (n.endsWith(".class")) names.add(n);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    List<Class<?>> out = new ArrayList<>();
    for (String n : names) {
      if (!n.startsWith("org/kernsim/protocol/") || n.startsWith("org/kernsim/protocol/kryo/"))
        continue;
      if (n.endsWith("module-info.class") || n.endsWith("package-info.class")) continue;
      String cn = n.substring(0, n.length() - 6).replace('/', '.');
      try {
        out.add(Class.forName(cn, false, WireMessage.class.getClassLoader()));
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(e);
      }
    }
    return out;
  }

  /**
   * Concrete classes that implement WireMessage (records and enums under the sealed interfaces).
   */
  static List<Class<?>> wireMessages() {
    List<Class<?>> out = new ArrayList<>();
    for (Class<?> c : all()) {
      if (isConcrete(c) && WireMessage.class.isAssignableFrom(c) && !c.isAnonymousClass())
        out.add(c);
    }
    return out;
  }

  static boolean isConcrete(Class<?> c) {
    return !c.isInterface()
        && !Modifier.isAbstract(c.getModifiers())
        && !c.isPrimitive()
        && !c.isArray();
  }

  /**
   * {@code c} and every kernsim record or enum reachable through its record components (type
   * arguments of lists and maps included), and the permitted subclasses of sealed component types.
   */
  static Set<Class<?>> closure(Class<?> c) {
    Set<Class<?>> seen = new LinkedHashSet<>();
    visit(c, seen);
    return seen;
  }

  private static void visit(Type t, Set<Class<?>> seen) {
    if (t instanceof ParameterizedType p) {
      visit(p.getRawType(), seen);
      for (Type a : p.getActualTypeArguments()) visit(a, seen);
      return;
    }
    if (!(t instanceof Class<?> c)) return;
    if (c.isArray()) {
      visit(c.getComponentType(), seen);
      return;
    }
    if (!c.getName().startsWith("org.kernsim.")) return;
    if (c.isSealed()) {
      for (Class<?> s : c.getPermittedSubclasses()) visit(s, seen);
    }
    if (!isConcrete(c) || !seen.add(c)) return;
    if (c.isRecord())
      for (RecordComponent rc : c.getRecordComponents()) visit(rc.getGenericType(), seen);
  }
}
