package org.kernsim.engine.snapshot;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntFunction;

/**
 * The mutable JDK collections of entity state, rebuilt so that the restored entity behaves as the
 * original, not merely holds the same elements: the collection is created (and registered as a Kryo
 * reference) before its elements are read, so cycles and shared elements survive; hash maps and
 * sets get the same table capacity, so they iterate in the same order (an entity that walks a
 * {@code HashMap<Integer, ...>} with keys above its capacity sees them in bucket order); sorted
 * collections and priority queues keep their comparator; a priority queue keeps its heap layout.
 */
final class StateCollections {
  private StateCollections() {}

  /** Registers the serializers on {@code kryo}, over the ids its class table gave the classes. */
  static void register(Kryo kryo) {
    replace(kryo, ArrayList.class, new Sequence<>(ArrayList::new));
    replace(kryo, LinkedList.class, new Sequence<>(n -> new LinkedList<>()));
    replace(kryo, ArrayDeque.class, new Sequence<>(ArrayDeque::new));
    replace(kryo, HashSet.class, new Sequence<>(HashSet::new, true));
    replace(kryo, LinkedHashSet.class, new Sequence<>(LinkedHashSet::new, true));
    replace(kryo, HashMap.class, new Hashed<>(HashMap::new));
    replace(kryo, LinkedHashMap.class, new Hashed<>(LinkedHashMap::new));
    replace(kryo, TreeMap.class, new Sorted());
    replace(kryo, TreeSet.class, new SortedSet());
    replace(kryo, PriorityQueue.class, new Heap());
  }

  private static void replace(Kryo kryo, Class<?> type, Serializer<?> s) {
    int id = kryo.getRegistration(type).getId();
    kryo.register(type, s, id);
  }

  /**
   * Thrown by {@link CapacityProbe} with the first int a {@code writeObject} writes. Unchecked: an
   * {@code IOException} out of {@code writeObject} makes the stream serialize the exception itself
   * (its class descriptors and fields) before rethrowing it, which cost more than the probe.
   */
  private static final class Found extends RuntimeException {
    final int value;

    Found(int value) {
      super(null, null, false, false);
      this.value = value;
    }
  }

  /**
   * The table capacity of a {@code HashMap} or {@code HashSet} without reflection into {@code
   * java.base}: their serial form's first {@code writeInt} is the capacity ({@code buckets} of
   * {@code HashMap.writeObject}, {@code map.capacity()} of {@code HashSet.writeObject}); the probe
   * stops there, before any element is written.
   */
  private static final class CapacityProbe extends ObjectOutputStream {
    CapacityProbe() throws IOException {
      super(OutputStream.nullOutputStream());
    }

    @Override
    public void writeInt(int v) throws IOException {
      throw new Found(v);
    }
  }

  /**
   * One probe per thread, reset before each use (its handle table would otherwise remember the last
   * collection probed): making an {@code ObjectOutputStream} for each collection was 10 % of
   * copying the 500-probe kprobe manager.
   */
  private static final ThreadLocal<CapacityProbe> PROBES =
      ThreadLocal.withInitial(
          () -> {
            try {
              return new CapacityProbe();
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });

  static int capacity(Object hashed) {
    CapacityProbe p = PROBES.get();
    try {
      p.writeObject(hashed);
    } catch (Found f) {
      return f.value;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the capacity of a " + hashed.getClass(), e);
    } finally {
      try {
        p.reset(); // forgets the table probed: the next probe writes it anew, and it is not kept
      } catch (IOException e) {
        PROBES.remove();
      }
    }
    throw new IllegalStateException("no capacity in the serial form of " + hashed.getClass());
  }

  /** Lists, deques and hash sets: (capacity), size, elements in iteration order. */
  static final class Sequence<C extends Collection<Object>> extends Serializer<C> {
    private final IntFunction<C> make;
    private final boolean hashed;

    Sequence(IntFunction<C> make) {
      this(make, false);
    }

    Sequence(IntFunction<C> make, boolean hashed) {
      super(false, false);
      this.make = make;
      this.hashed = hashed;
    }

    IntFunction<C> make() {
      return make;
    }

    /** A hash set: made with its table capacity (else with its size). */
    boolean hashed() {
      return hashed;
    }

    @Override
    public void write(Kryo kryo, Output out, C c) {
      if (hashed) out.writeVarInt(capacity(c), true);
      out.writeVarInt(c.size(), true);
      for (Object o : c) kryo.writeClassAndObject(out, o);
    }

    @Override
    public C read(Kryo kryo, Input in, Class<? extends C> type) {
      int cap = hashed ? in.readVarInt(true) : -1;
      int n = in.readVarInt(true);
      C c = make.apply(hashed ? cap : n);
      kryo.reference(c);
      for (int i = 0; i < n; i++) c.add(kryo.readClassAndObject(in));
      return c;
    }
  }

  /** Hash maps: capacity, size, entries in iteration order. */
  static final class Hashed<M extends Map<Object, Object>> extends Serializer<M> {
    private final IntFunction<M> make;

    Hashed(IntFunction<M> make) {
      super(false, false);
      this.make = make;
    }

    IntFunction<M> make() {
      return make;
    }

    @Override
    public void write(Kryo kryo, Output out, M m) {
      out.writeVarInt(capacity(m), true);
      out.writeVarInt(m.size(), true);
      for (Map.Entry<Object, Object> e : m.entrySet()) {
        kryo.writeClassAndObject(out, e.getKey());
        kryo.writeClassAndObject(out, e.getValue());
      }
    }

    @Override
    public M read(Kryo kryo, Input in, Class<? extends M> type) {
      M m = make.apply(in.readVarInt(true));
      kryo.reference(m);
      int n = in.readVarInt(true);
      for (int i = 0; i < n; i++) m.put(kryo.readClassAndObject(in), kryo.readClassAndObject(in));
      return m;
    }
  }

  static final class Sorted extends Serializer<TreeMap<Object, Object>> {
    Sorted() {
      super(false, false);
    }

    @Override
    public void write(Kryo kryo, Output out, TreeMap<Object, Object> m) {
      kryo.writeClassAndObject(out, m.comparator());
      out.writeVarInt(m.size(), true);
      for (Map.Entry<Object, Object> e : m.entrySet()) {
        kryo.writeClassAndObject(out, e.getKey());
        kryo.writeClassAndObject(out, e.getValue());
      }
    }

    @Override
    @SuppressWarnings("unchecked")
    public TreeMap<Object, Object> read(
        Kryo kryo, Input in, Class<? extends TreeMap<Object, Object>> type) {
      TreeMap<Object, Object> m = new TreeMap<>((Comparator<Object>) kryo.readClassAndObject(in));
      kryo.reference(m);
      int n = in.readVarInt(true);
      for (int i = 0; i < n; i++) m.put(kryo.readClassAndObject(in), kryo.readClassAndObject(in));
      return m;
    }
  }

  static final class SortedSet extends Serializer<TreeSet<Object>> {
    SortedSet() {
      super(false, false);
    }

    @Override
    public void write(Kryo kryo, Output out, TreeSet<Object> s) {
      kryo.writeClassAndObject(out, s.comparator());
      out.writeVarInt(s.size(), true);
      for (Object o : s) kryo.writeClassAndObject(out, o);
    }

    @Override
    @SuppressWarnings("unchecked")
    public TreeSet<Object> read(Kryo kryo, Input in, Class<? extends TreeSet<Object>> type) {
      TreeSet<Object> s = new TreeSet<>((Comparator<Object>) kryo.readClassAndObject(in));
      kryo.reference(s);
      int n = in.readVarInt(true);
      for (int i = 0; i < n; i++) s.add(kryo.readClassAndObject(in));
      return s;
    }
  }

  /**
   * Priority queues: comparator, then the heap array in index order; re-adding a valid heap in
   * index order never moves an element, so the heap (and the order of equal elements) is the same.
   */
  static final class Heap extends Serializer<PriorityQueue<Object>> {
    Heap() {
      super(false, false);
    }

    @Override
    public void write(Kryo kryo, Output out, PriorityQueue<Object> q) {
      kryo.writeClassAndObject(out, q.comparator());
      out.writeVarInt(q.size(), true);
      for (Object o : q) kryo.writeClassAndObject(out, o);
    }

    @Override
    @SuppressWarnings("unchecked")
    public PriorityQueue<Object> read(
        Kryo kryo, Input in, Class<? extends PriorityQueue<Object>> type) {
      Comparator<Object> c = (Comparator<Object>) kryo.readClassAndObject(in);
      int n = in.readVarInt(true);
      PriorityQueue<Object> q = new PriorityQueue<>(Math.max(1, n), c);
      kryo.reference(q);
      for (int i = 0; i < n; i++) q.add(kryo.readClassAndObject(in));
      return q;
    }
  }
}
