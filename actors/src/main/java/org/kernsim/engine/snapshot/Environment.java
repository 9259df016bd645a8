package org.kernsim.engine.snapshot;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.kernsim.engine.Checker;
import org.kernsim.engine.Entity;
import org.kernsim.engine.Simulation;

/**
 * The configuration an entity's state points into: every object reachable from the built {@link
 * Simulation} through the fields of kernsim's own classes (the topology, the machine, the
 * configuration records, the layout and its name functions...). Entities share these objects and
 * never change them; a snapshot writes a reference to one as its number here, and a restore
 * resolves the number in the restoring run's own simulation, built from the same settings. So a
 * snapshot carries no configuration, and configuration objects that cannot be serialized (the
 * layout's lambdas) need not be.
 *
 * <p>The objects are numbered in breadth-first order from the simulation, fields in declaration
 * order (superclass first), array elements in index order. JDK objects (collections, strings) are
 * numbered but not entered, so a cache filled during the run cannot shift the numbering; the {@link
 * #fingerprint()} (the classes in order) is checked on restore.
 */
public final class Environment {

  private final Object[] objects;
  private final IdentityHashMap<Object, Integer> ids;
  private final long fingerprint;

  private Environment(Object[] objects, IdentityHashMap<Object, Integer> ids, long fingerprint) {
    this.objects = objects;
    this.ids = ids;
    this.fingerprint = fingerprint;
  }

  private static final Map<Class<?>, Field[]> FIELDS = new ConcurrentHashMap<>();

  /** Walks {@code sim}'s object graph. */
  public static Environment of(Simulation sim) {
    IdentityHashMap<Object, Integer> ids = new IdentityHashMap<>();
    List<Object> order = new ArrayList<>();
    ArrayDeque<Object> queue = new ArrayDeque<>();
    long fp = 1469598103934665603L;
    add(sim, ids, order, queue);
    while (!queue.isEmpty()) {
      Object o = queue.poll();
      Class<?> c = o.getClass();
      fp = (fp ^ stableName(c).hashCode()) * 1099511628211L;
      if (c.isArray()) {
        if (!c.getComponentType().isPrimitive()) {
          for (Object x : (Object[]) o) add(x, ids, order, queue);
        }
        continue;
      }
      if (isJdk(c)) continue;
      if (o instanceof Entity && o != sim) {
        throw new IllegalStateException(
            "simulation "
                + sim.model()
                + " holds an entity ("
                + c.getName()
                + "); entities must be created by createEntity and kept by the engine");
      }
      for (Field f : fields(c)) {
        try {
          add(f.get(o), ids, order, queue);
        } catch (IllegalAccessException e) {
          throw new IllegalStateException("cannot read " + f + " of the simulation", e);
        }
      }
    }
    return new Environment(order.toArray(), ids, fp);
  }

  private static void add(
      Object x, IdentityHashMap<Object, Integer> ids, List<Object> order, ArrayDeque<Object> q) {
    if (x == null || isValue(x.getClass()) || x instanceof Checker) return;
    if (ids.containsKey(x)) return;
    ids.put(x, order.size());
    order.add(x);
    q.add(x);
  }

  /** A class's name without the per-JVM suffix of a lambda's hidden class. */
  static String stableName(Class<?> c) {
    String n = c.getName();
    int l = n.indexOf("$$Lambda");
    return l < 0 ? n : n.substring(0, l + 8);
  }

  /** Immutable values Kryo writes by value anyway: no need to share them. */
  static boolean isValue(Class<?> c) {
    return c == String.class
        || c == Integer.class
        || c == Long.class
        || c == Boolean.class
        || c == Double.class
        || c == Float.class
        || c == Short.class
        || c == Byte.class
        || c == Character.class
        || c.isEnum()
        || (c.getSuperclass() != null && c.getSuperclass().isEnum())
        || c == Class.class;
  }

  static boolean isJdk(Class<?> c) {
    String n = c.getName();
    return n.startsWith("java.")
        || n.startsWith("javax.")
        || n.startsWith("jdk.")
        || n.startsWith("sun.")
        || n.startsWith("com.sun.")
        || n.startsWith("scala.")
        || n.startsWith("org.apache.pekko.");
  }

  /** The instance fields of {@code c} and its superclasses, superclass first, accessible. */
  static Field[] fields(Class<?> c) {
    return FIELDS.computeIfAbsent(
        c,
        k -> {
          List<Class<?>> chain = new ArrayList<>();
          for (Class<?> x = k; x != null && x != Object.class; x = x.getSuperclass()) chain.add(x);
          List<Field> out = new ArrayList<>();
          for (int i = chain.size() - 1; i >= 0; i--) {
            for (Field f : chain.get(i).getDeclaredFields()) {
              if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) continue;
              f.setAccessible(true);
              out.add(f);
            }
          }
          return out.toArray(new Field[0]);
        });
  }

  /** The number of {@code o}, or -1 if it is not part of the configuration. */
  public int idOf(Object o) {
    Integer i = ids.get(o);
    return i == null ? -1 : i;
  }

  public Object get(int id) {
    return objects[id];
  }

  public int size() {
    return objects.length;
  }

  /** A digest of the classes in numbering order: equal configurations have equal fingerprints. */
  public long fingerprint() {
    return fingerprint;
  }
}
