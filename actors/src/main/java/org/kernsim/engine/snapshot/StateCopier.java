package org.kernsim.engine.snapshot;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.serializers.DefaultSerializers;
import com.esotericsoftware.kryo.serializers.FieldSerializer;
import com.esotericsoftware.kryo.serializers.RecordSerializer;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;
import org.objenesis.instantiator.ObjectInstantiator;

/**
 * Copies a restored state instead of deserializing it again: a forked exploration restores the same
 * entity from the same snapshot bytes once per schedule, so the bytes are read once into a
 * <em>template</em> (by the codec's own Kryo reading, never handed out), the template's object
 * graph is compiled into a {@link Plan}, and each restore makes a fresh deep copy of it.
 *
 * <p>A copy is built exactly as {@link StateCodec}'s Kryo reading builds an object from the bytes:
 * an object of a class Kryo writes field by field is instantiated by the same instantiator (its
 * no-arg constructor if it has one, else without a constructor) and gets every field Kryo writes,
 * in Kryo's field order (so its transient fields are what a read leaves them); a record is made by
 * its canonical constructor from copied components; the mutable JDK collections are made as {@link
 * StateCollections} makes them (a hash map or set with the same table capacity, so it iterates in
 * the same order; a sorted collection or a priority queue with its comparator, its elements added
 * in the same order); arrays of the same component type; a lambda rebuilt from its copied captured
 * values (as {@link LambdaSerializer} does); shared objects stay shared and cycles stay cycles
 * (within one copy, as within one stream). Objects that cannot change are not copied: the
 * configuration's objects ({@link Environment}, which a read resolves to the same objects anyway),
 * strings, boxed numbers, enums, and records, unmodifiable JDK collections and lambdas that hold
 * only such objects. (The one difference a model could see is the identity of such an immutable
 * object across two restores; a model keeps no identity across entities or schedules.)
 *
 * <p>A state holding anything else (a class with a serializer of its own, an unmodifiable
 * collection of mutable objects) is not compiled ({@link Uncopyable}): it is deserialized at every
 * restore, as before.
 */
final class StateCopier {

  /** A state this copier does not copy: it is deserialized instead. */
  static final class Uncopyable extends Exception {
    Uncopyable(String message) {
      super(message, null, false, false);
    }
  }

  private final Environment env;
  private final Map<Class<?>, ObjectPlan> objectPlans = new ConcurrentHashMap<>();
  private final Map<Class<?>, RecordPlan> recordPlans = new ConcurrentHashMap<>();

  /** Objects a compile whose last root has this class met last time: its identity map's size. */
  private final Map<Class<?>, Integer> sizeHints = new ConcurrentHashMap<>();

  StateCopier(Environment env) {
    this.env = env;
  }

  /** A compiled object graph: {@link #copy()} gives a fresh copy of each root, in order. */
  static final class Plan {
    private final Object[] roots; // a constant (the object itself) or a Node
    private final int nodes;

    private Plan(Object[] roots, int nodes) {
      this.roots = roots;
      this.nodes = nodes;
    }

    /** A fresh deep copy of the roots (one identity domain: shared objects stay shared). */
    Object[] copy() {
      Object[] made = new Object[nodes];
      Object[] out = new Object[roots.length];
      for (int i = 0; i < roots.length; i++) out[i] = resolve(roots[i], made);
      return out;
    }

    /** How many objects a copy makes (the rest are shared with the template). */
    int objects() {
      return nodes;
    }
  }

  /**
   * Compiles the graph of {@code roots} (a template: read from snapshot bytes by {@code kryo}'s
   * codec, and never changed afterwards) in the order the codec reads them.
   */
  Plan compile(Kryo kryo, Object... roots) throws Uncopyable {
    // the last root's class: an entity's logic (the roots before it are its timers' keys)
    Object last = roots.length == 0 ? null : roots[roots.length - 1];
    Class<?> key = last == null ? Object.class : last.getClass();
    Compiler c = new Compiler(kryo, sizeHints.getOrDefault(key, 32));
    Object[] r = new Object[roots.length];
    for (int i = 0; i < roots.length; i++) r[i] = c.ref(roots[i]);
    sizeHints.put(key, c.refs.size());
    return new Plan(r, c.count);
  }

  // ------------------------------------------------------------------------------------ copying

  private static final Object BUILDING = new Object();

  /** In a compiler's identity map: the object's node is being built (see {@code Compiler.ref}). */
  private static final Object BUILT = new Object();

  private static Object resolve(Object ref, Object[] made) {
    return ref instanceof Node n ? n.copy(made) : ref;
  }

  /** One object of the template that each copy makes anew. */
  private abstract static class Node {
    final int index;

    Node(int index) {
      this.index = index;
    }

    final Object copy(Object[] made) {
      Object m = made[index];
      if (m == BUILDING)
        throw new IllegalStateException("a record reaches itself through its components");
      if (m != null) return m;
      return make(made);
    }

    /** Makes the copy, stores it in {@code made[index]} (before its contents, for cycles). */
    abstract Object make(Object[] made);
  }

  /**
   * Field access by offset ({@code sun.misc.Unsafe}, of the {@code jdk.unsupported} module, as
   * Objenesis and Kryo use it): reflection's {@code Field.set} checks the receiver's class at every
   * call, which made up most of a copy's time. Only fields of kernsim's own (non-record,
   * non-hidden) classes, whose types were read from their {@code Field}, are accessed this way.
   */
  private static final sun.misc.Unsafe UNSAFE;

  static {
    try {
      Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
      f.setAccessible(true);
      UNSAFE = (sun.misc.Unsafe) f.get(null);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * How a class Kryo writes field by field is copied: made by Kryo's instantiator if it has a
   * no-arg constructor (null: allocated without a constructor, as Kryo's fallback does), then each
   * field Kryo writes, by offset.
   */
  private record ObjectPlan(
      Class<?> type, ObjectInstantiator<?> instantiator, long[] offsets, byte[] kinds) {
    Object allocate() {
      if (instantiator != null) return instantiator.newInstance();
      try {
        return UNSAFE.allocateInstance(type);
      } catch (InstantiationException e) {
        throw new IllegalStateException("cannot allocate a " + type.getName(), e);
      }
    }
  }

  private static final byte REF = 0;
  private static final byte INT = 1;
  private static final byte LONG = 2;
  private static final byte BOOLEAN = 3;
  private static final byte DOUBLE = 4;
  private static final byte FLOAT = 5;
  private static final byte SHORT = 6;
  private static final byte BYTE = 7;
  private static final byte CHAR = 8;

  private static byte kind(Class<?> t) {
    if (!t.isPrimitive()) return REF;
    if (t == int.class) return INT;
    if (t == long.class) return LONG;
    if (t == boolean.class) return BOOLEAN;
    if (t == double.class) return DOUBLE;
    if (t == float.class) return FLOAT;
    if (t == short.class) return SHORT;
    if (t == byte.class) return BYTE;
    return CHAR;
  }

  private static final class ObjectNode extends Node {
    private final ObjectPlan plan;
    private final Object template;
    private final long[] refOffsets; // the reference fields, in Kryo's order
    private final Object[] refs; // their references (constants or nodes)

    ObjectNode(int index, ObjectPlan plan, Object template, long[] refOffsets, Object[] refs) {
      super(index);
      this.plan = plan;
      this.template = template;
      this.refOffsets = refOffsets;
      this.refs = refs;
    }

    @Override
    Object make(Object[] made) {
      Object o = plan.allocate();
      made[index] = o;
      long[] offsets = plan.offsets();
      byte[] kinds = plan.kinds();
      Object t = template;
      for (int i = 0; i < offsets.length; i++) {
        long off = offsets[i];
        switch (kinds[i]) {
          case REF -> {} // below
          case INT -> UNSAFE.putInt(o, off, UNSAFE.getInt(t, off));
          case LONG -> UNSAFE.putLong(o, off, UNSAFE.getLong(t, off));
          case BOOLEAN -> UNSAFE.putBoolean(o, off, UNSAFE.getBoolean(t, off));
          case DOUBLE -> UNSAFE.putDouble(o, off, UNSAFE.getDouble(t, off));
          case FLOAT -> UNSAFE.putFloat(o, off, UNSAFE.getFloat(t, off));
          case SHORT -> UNSAFE.putShort(o, off, UNSAFE.getShort(t, off));
          case BYTE -> UNSAFE.putByte(o, off, UNSAFE.getByte(t, off));
          default -> UNSAFE.putChar(o, off, UNSAFE.getChar(t, off));
        }
      }
      long[] ro = refOffsets;
      Object[] r = refs;
      for (int i = 0; i < ro.length; i++) {
        Object v = r[i];
        UNSAFE.putObject(o, ro[i], v instanceof Node n ? n.copy(made) : v);
      }
      return o;
    }
  }

  private static final class PrimitiveArrayNode extends Node {
    private final Object template;

    PrimitiveArrayNode(int index, Object template) {
      super(index);
      this.template = template;
    }

    @Override
    Object make(Object[] made) {
      int n = Array.getLength(template);
      Object a = Array.newInstance(template.getClass().getComponentType(), n);
      System.arraycopy(template, 0, a, 0, n);
      made[index] = a;
      return a;
    }
  }

  private static final class ArrayNode extends Node {
    private final Class<?> component;
    private final Object[] elements;

    ArrayNode(int index, Class<?> component, Object[] elements) {
      super(index);
      this.component = component;
      this.elements = elements;
    }

    @Override
    Object make(Object[] made) {
      Object[] a = (Object[]) Array.newInstance(component, elements.length);
      made[index] = a;
      for (int i = 0; i < a.length; i++) a[i] = resolve(elements[i], made);
      return a;
    }
  }

  /** Lists, deques and hash sets, made as {@link StateCollections.Sequence} makes them. */
  private static final class SequenceNode extends Node {
    private final IntFunction<? extends Collection<Object>> make;
    private final int size; // the table capacity of a hash set, else the size
    private final Object[] elements;

    SequenceNode(
        int index, IntFunction<? extends Collection<Object>> make, int size, Object[] elements) {
      super(index);
      this.make = make;
      this.size = size;
      this.elements = elements;
    }

    @Override
    Object make(Object[] made) {
      Collection<Object> c = make.apply(size);
      made[index] = c;
      for (Object e : elements) c.add(resolve(e, made));
      return c;
    }
  }

  /** Hash maps (capacity), tree maps (comparator), made as {@link StateCollections} makes them. */
  private static final class MapNode extends Node {
    private final IntFunction<? extends Map<Object, Object>> make; // null: a tree map
    private final int capacity;
    private final Object comparator;
    private final Object[] keys;
    private final Object[] values;

    MapNode(
        int index,
        IntFunction<? extends Map<Object, Object>> make,
        int capacity,
        Object comparator,
        Object[] keys,
        Object[] values) {
      super(index);
      this.make = make;
      this.capacity = capacity;
      this.comparator = comparator;
      this.keys = keys;
      this.values = values;
    }

    @Override
    @SuppressWarnings("unchecked")
    Object make(Object[] made) {
      Map<Object, Object> m =
          make != null
              ? make.apply(capacity)
              : new TreeMap<>((Comparator<Object>) resolve(comparator, made));
      made[index] = m;
      for (int i = 0; i < keys.length; i++) m.put(resolve(keys[i], made), resolve(values[i], made));
      return m;
    }
  }

  /** Tree sets and priority queues, with their comparator. */
  private static final class OrderedNode extends Node {
    private final boolean heap;
    private final Object comparator;
    private final Object[] elements;

    OrderedNode(int index, boolean heap, Object comparator, Object[] elements) {
      super(index);
      this.heap = heap;
      this.comparator = comparator;
      this.elements = elements;
    }

    @Override
    @SuppressWarnings("unchecked")
    Object make(Object[] made) {
      Comparator<Object> c = (Comparator<Object>) resolve(comparator, made);
      Collection<Object> s =
          heap ? new PriorityQueue<>(Math.max(1, elements.length), c) : new TreeSet<>(c);
      made[index] = s;
      for (Object e : elements) s.add(resolve(e, made));
      return s;
    }
  }

  private static final class RecordNode extends Node {
    private final Constructor<?> constructor;
    private final Object[] components;

    RecordNode(int index, Constructor<?> constructor, Object[] components) {
      super(index);
      this.constructor = constructor;
      this.components = components;
    }

    @Override
    Object make(Object[] made) {
      made[index] = BUILDING;
      Object[] args = new Object[components.length];
      for (int i = 0; i < args.length; i++) args[i] = resolve(components[i], made);
      try {
        Object r = constructor.newInstance(args);
        made[index] = r;
        return r;
      } catch (InstantiationException | IllegalAccessException | InvocationTargetException e) {
        throw new IllegalStateException(
            "cannot copy a " + constructor.getDeclaringClass().getName(), e);
      }
    }
  }

  /** A {@code List.of} of mutable objects: {@code List.of} of their copies. */
  private static final class ListOfNode extends Node {
    private final Object[] elements;

    ListOfNode(int index, Object[] elements) {
      super(index);
      this.elements = elements;
    }

    @Override
    Object make(Object[] made) {
      made[index] = BUILDING;
      Object[] a = new Object[elements.length];
      for (int i = 0; i < a.length; i++) a[i] = resolve(elements[i], made);
      Object l = List.of(a);
      made[index] = l;
      return l;
    }
  }

  private static final class BitSetNode extends Node {
    private final long[] words;

    BitSetNode(int index, long[] words) {
      super(index);
      this.words = words;
    }

    @Override
    Object make(Object[] made) {
      BitSet b = BitSet.valueOf(words); // as DefaultSerializers.BitSetSerializer reads it
      made[index] = b;
      return b;
    }
  }

  private static final class LambdaNode extends Node {
    private final SerializedLambda template;
    private final ClassLoader loader;
    private final Object[] captured;

    LambdaNode(int index, SerializedLambda template, ClassLoader loader, Object[] captured) {
      super(index);
      this.template = template;
      this.loader = loader;
      this.captured = captured;
    }

    @Override
    Object make(Object[] made) {
      made[index] = BUILDING;
      Object[] args = new Object[captured.length];
      for (int i = 0; i < args.length; i++) args[i] = resolve(captured[i], made);
      Object l = LambdaSerializer.rebuild(template, args, loader);
      made[index] = l;
      return l;
    }
  }

  // ---------------------------------------------------------------------------------- compiling

  /**
   * The unmodifiable JDK collections the cluster's table writes: shared when their contents are.
   */
  private static final Set<Class<?>> UNMODIFIABLE =
      Set.of(
          List.of().getClass(),
          List.of(1).getClass(),
          Collections.emptyList().getClass(),
          Collections.singletonList(1).getClass(),
          Collections.unmodifiableList(new ArrayList<>()).getClass(),
          Collections.unmodifiableList(new java.util.LinkedList<>()).getClass(),
          Map.of().getClass(),
          Map.of(1, 1).getClass(),
          Collections.emptyMap().getClass(),
          Collections.unmodifiableMap(new HashMap<>()).getClass(),
          Collections.unmodifiableSortedMap(new TreeMap<>()).getClass(),
          Set.of().getClass(),
          Set.of(1).getClass(),
          Collections.emptySet().getClass(),
          Collections.singletonMap(1, 1).getClass(),
          Collections.singleton(1).getClass());

  /** The classes of {@code List.of}: made again by {@code List.of} from copied elements. */
  private static final Set<Class<?>> LIST_OF = Set.of(List.of().getClass(), List.of(1).getClass());

  private final class Compiler {
    private final Kryo kryo;

    /**
     * Each object met: its node (or itself, shared), or {@link #BUILT} while its node is being
     * built (one map, sized from the last compile of a graph with the same root class: the identity
     * map's puts and resizes were a third of copying the 500-probe kprobe manager).
     */
    final IdentityHashMap<Object, Object> refs;

    int count;

    Compiler(Kryo kryo, int expected) {
      this.kryo = kryo;
      this.refs = new IdentityHashMap<>(expected);
    }

    /** {@code o} itself if every copy may share it, else its node. */
    Object ref(Object o) throws Uncopyable {
      if (o == null) return null;
      Object known = refs.get(o);
      if (known == BUILT)
        throw new Uncopyable("a " + o.getClass().getName() + " reaches itself while it is built");
      if (known != null) return known;
      Class<?> c = o.getClass();
      if (Environment.isValue(c) || o instanceof org.kernsim.engine.Immutable || env.idOf(o) >= 0)
        return o;
      refs.put(o, BUILT);
      Object r;
      try {
        r = compile(o, c);
      } catch (Uncopyable | RuntimeException e) {
        refs.remove(o);
        throw e;
      }
      refs.put(o, r);
      return r;
    }

    private Object compile(Object o, Class<?> c) throws Uncopyable {
      if (UNMODIFIABLE.contains(c)) {
        Collection<?> all = o instanceof Map<?, ?> m ? entries(m) : (Collection<?>) o;
        Object[] elements = null;
        int i = 0;
        for (Object x : all) {
          Object r = ref(x);
          if (r != x && !LIST_OF.contains(c))
            throw new Uncopyable("an unmodifiable " + c.getName() + " of mutable objects");
          if (r != x && elements == null) {
            elements = new Object[all.size()];
            int j = 0;
            for (Object y : all) {
              if (j == i) break;
              elements[j++] = y;
            }
          }
          if (elements != null) elements[i] = r;
          i++;
        }
        // a List.of of mutable objects: List.of of their copies (the same class for the same size)
        return elements == null ? o : node(new ListOfNode(count, elements));
      }
      Registration reg;
      try {
        reg = kryo.getRegistration(c);
      } catch (IllegalArgumentException e) {
        throw new Uncopyable("unregistered " + c.getName());
      }
      Serializer<?> s = reg.getSerializer();
      if (c.isArray()) {
        if (c.getComponentType().isPrimitive()) return node(new PrimitiveArrayNode(count, o));
        Object[] a = (Object[]) o;
        Object[] elements = new Object[a.length];
        ArrayNode n = node(new ArrayNode(count, c.getComponentType(), elements));
        refs.put(o, n);
        for (int i = 0; i < a.length; i++) elements[i] = ref(a[i]);
        return n;
      }
      if (s instanceof StateCollections.Sequence<?> seq) {
        Collection<?> col = (Collection<?>) o;
        Object[] elements = new Object[col.size()];
        SequenceNode n =
            node(
                new SequenceNode(
                    count,
                    seq.make(),
                    seq.hashed() ? StateCollections.capacity(o) : col.size(),
                    elements));
        refs.put(o, n);
        int i = 0;
        for (Object x : col) elements[i++] = ref(x);
        return n;
      }
      if (s instanceof StateCollections.Hashed<?> h) {
        return map(o, h.make(), StateCollections.capacity(o), null);
      }
      if (s instanceof StateCollections.Sorted) {
        return map(o, null, 0, ref(((TreeMap<?, ?>) o).comparator()));
      }
      if (s instanceof StateCollections.SortedSet || s instanceof StateCollections.Heap) {
        boolean heap = s instanceof StateCollections.Heap;
        Object comparator =
            ref(heap ? ((PriorityQueue<?>) o).comparator() : ((TreeSet<?>) o).comparator());
        Collection<?> col = (Collection<?>) o;
        Object[] elements = new Object[col.size()];
        OrderedNode n = node(new OrderedNode(count, heap, comparator, elements));
        refs.put(o, n);
        int i = 0;
        for (Object x : col) elements[i++] = ref(x);
        return n;
      }
      if (s instanceof DefaultSerializers.BitSetSerializer)
        return node(new BitSetNode(count, ((BitSet) o).toLongArray()));
      if (s instanceof LambdaSerializer) {
        SerializedLambda l = LambdaSerializer.serialized(o);
        Object[] captured = new Object[l.getCapturedArgCount()];
        boolean constant = true;
        for (int i = 0; i < captured.length; i++) {
          captured[i] = ref(l.getCapturedArg(i));
          constant &= captured[i] == l.getCapturedArg(i);
        }
        if (constant) return o;
        return node(new LambdaNode(count, l, kryo.getClassLoader(), captured));
      }
      if (s instanceof RecordSerializer<?> && c.isRecord()) {
        RecordPlan rp = recordPlan(c);
        Object[] components = new Object[rp.getters.length];
        boolean constant = true;
        for (int i = 0; i < components.length; i++) {
          Object v;
          try {
            v = (Object) rp.getters[i].invokeExact(o);
          } catch (Throwable e) {
            throw new Uncopyable("cannot read " + c.getName() + "." + rp.names[i] + ": " + e);
          }
          components[i] = ref(v);
          constant &= components[i] == v;
        }
        if (constant) return o;
        return node(new RecordNode(count, rp.constructor, components));
      }
      if (s != null && s.getClass() == FieldSerializer.class) {
        ObjectPlan plan = objectPlan(kryo, c, (FieldSerializer<?>) s);
        long[] offsets = plan.offsets();
        int nr = 0;
        for (byte k : plan.kinds()) if (k == REF) nr++;
        long[] refOffsets = new long[nr];
        Object[] values = new Object[nr];
        ObjectNode n = node(new ObjectNode(count, plan, o, refOffsets, values));
        refs.put(o, n); // before its fields: cycles
        for (int i = 0, j = 0; i < offsets.length; i++) {
          if (plan.kinds()[i] != REF) continue;
          refOffsets[j] = offsets[i];
          values[j++] = ref(UNSAFE.getObject(o, offsets[i]));
        }
        return n;
      }
      throw new Uncopyable(
          c.getName() + " has a serializer of its own (" + (s == null ? null : s.getClass()) + ")");
    }

    private Object map(
        Object o, IntFunction<? extends Map<Object, Object>> make, int capacity, Object comparator)
        throws Uncopyable {
      Map<?, ?> m = (Map<?, ?>) o;
      Object[] keys = new Object[m.size()];
      Object[] values = new Object[m.size()];
      MapNode n = node(new MapNode(count, make, capacity, comparator, keys, values));
      refs.put(o, n);
      int i = 0;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        keys[i] = ref(e.getKey());
        values[i] = ref(e.getValue());
        i++;
      }
      return n;
    }

    private <N extends Node> N node(N n) {
      count++;
      return n;
    }
  }

  private static List<Object> entries(Map<?, ?> m) {
    List<Object> out = new ArrayList<>(2 * m.size());
    for (Map.Entry<?, ?> e : m.entrySet()) {
      out.add(e.getKey());
      out.add(e.getValue());
    }
    return out;
  }

  private ObjectPlan objectPlan(Kryo kryo, Class<?> c, FieldSerializer<?> s) throws Uncopyable {
    ObjectPlan p = objectPlans.get(c);
    if (p != null) return p;
    if (c.isRecord() || c.isHidden()) throw new Uncopyable(c.getName() + ": no field offsets");
    FieldSerializer.CachedField[] cached = s.getFields();
    long[] offsets = new long[cached.length];
    byte[] kinds = new byte[cached.length];
    for (int i = 0; i < cached.length; i++) {
      Field f = cached[i].getField();
      try {
        offsets[i] = UNSAFE.objectFieldOffset(f);
      } catch (RuntimeException e) {
        throw new Uncopyable("no offset of " + f + ": " + e);
      }
      kinds[i] = kind(f.getType());
    }
    // Kryo's instantiator strategy: the no-arg constructor if there is one, else none
    ObjectInstantiator<?> inst = null;
    boolean noArg;
    try {
      c.getDeclaredConstructor();
      noArg = true;
    } catch (NoSuchMethodException e) {
      noArg = false;
    }
    if (noArg) {
      try {
        inst = kryo.getInstantiatorStrategy().newInstantiatorOf(c);
      } catch (RuntimeException e) {
        throw new Uncopyable("cannot instantiate " + c.getName() + ": " + e);
      }
    }
    p = new ObjectPlan(c, inst, offsets, kinds);
    objectPlans.put(c, p);
    return p;
  }

  /**
   * A record class's accessors and canonical constructor, looked up once: {@code
   * Class.getRecordComponents()} makes new component objects at every call, and a {@code
   * Method.invoke} per component cost 14 % of copying the 500-probe kprobe manager.
   */
  private record RecordPlan(String[] names, MethodHandle[] getters, Constructor<?> constructor) {}

  private static final MethodType GETTER = MethodType.methodType(Object.class, Object.class);

  private RecordPlan recordPlan(Class<?> c) throws Uncopyable {
    RecordPlan p = recordPlans.get(c);
    if (p != null) return p;
    RecordComponent[] rc = c.getRecordComponents();
    String[] names = new String[rc.length];
    MethodHandle[] getters = new MethodHandle[rc.length];
    Class<?>[] types = new Class<?>[rc.length];
    Constructor<?> k;
    try {
      MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(c, MethodHandles.lookup());
      for (int i = 0; i < rc.length; i++) {
        names[i] = rc[i].getName();
        types[i] = rc[i].getType();
        getters[i] = lookup.unreflect(rc[i].getAccessor()).asType(GETTER);
      }
      k = c.getDeclaredConstructor(types);
      k.setAccessible(true);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new Uncopyable("no accessors or canonical constructor of " + c.getName() + ": " + e);
    }
    p = new RecordPlan(names, getters, k);
    recordPlans.put(c, p);
    return p;
  }
}
