package org.kernsim.engine.snapshot;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.ClosureSerializer;
import com.esotericsoftware.kryo.serializers.DefaultArraySerializers;
import com.esotericsoftware.kryo.serializers.DefaultSerializers;
import com.esotericsoftware.kryo.serializers.FieldSerializer;
import com.esotericsoftware.kryo.util.DefaultClassResolver;
import com.esotericsoftware.kryo.util.Pool;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import org.kernsim.engine.Checker;
import org.kernsim.engine.Entity;
import org.kernsim.engine.EntityRuntime;
import org.kernsim.engine.Latency;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.Violation;
import org.kernsim.protocol.kryo.KryoRegistry;
import org.kernsim.protocol.snapshot.SimSnapshot;

/**
 * Writes and reads the state of a simulation's entities and checkers with Kryo: the cluster's class
 * table ({@link KryoRegistry#TABLE}) plus the simulation's own state classes ({@link
 * Simulation#stateClasses()}, ids 2000-2999) and the engine's ({@link #ENGINE_ROWS}), registration
 * required. Entities and the objects they hold are written field by field ({@link FieldSerializer},
 * synthetic fields included so inner classes keep their outer instance), records with their record
 * serializer, lambdas as serialized lambdas; references are kept within one entity's stream
 * (identity and cycles survive), and references into the simulation's configuration are written as
 * numbers in its {@link Environment}.
 *
 * <p>One codec serves one simulation (and any simulation built from the same settings: a restore
 * checks the {@link #fingerprint()}). It is thread-safe: Kryo instances are pooled.
 */
public final class StateCodec {

  /** The engine's own state classes (2900-2999). */
  public static final List<KryoRegistry.Entry> ENGINE_ROWS =
      List.of(
          new KryoRegistry.Entry(2900, ClosureSerializer.Closure.class),
          new KryoRegistry.Entry(2901, ArrayDeque.class),
          new KryoRegistry.Entry(2902, PriorityQueue.class),
          new KryoRegistry.Entry(2903, Latency.Fixed.class),
          new KryoRegistry.Entry(2904, Latency.Uniform.class),
          new KryoRegistry.Entry(2905, Latency.LogNormal.class),
          new KryoRegistry.Entry(2906, Violation.class),
          new KryoRegistry.Entry(2907, BitSet.class),
          new KryoRegistry.Entry(2908, int[][].class),
          new KryoRegistry.Entry(2909, long[][].class),
          new KryoRegistry.Entry(2910, boolean[][].class),
          new KryoRegistry.Entry(2911, Object.class),
          // the lock-order checker, any model's (org.kernsim.engine.lockdep)
          new KryoRegistry.Entry(2912, org.kernsim.engine.lockdep.Lockdep.class),
          new KryoRegistry.Entry(2913, org.kernsim.engine.lockdep.LockGraph.class),
          new KryoRegistry.Entry(2914, org.kernsim.engine.lockdep.LockGraph.Dependency.class),
          new KryoRegistry.Entry(2915, org.kernsim.engine.lockdep.LockGraph.Dependency[].class),
          StateRows.row(2916, "org.kernsim.engine.lockdep.LockGraph$Held"),
          new KryoRegistry.Entry(2917, org.kernsim.engine.lockdep.LockGraph.Circular.class),
          new KryoRegistry.Entry(2918, org.kernsim.engine.lockdep.LockGraph.Recursive.class),
          new KryoRegistry.Entry(2919, org.kernsim.engine.lockdep.LockGraph.Unbalanced.class),
          new KryoRegistry.Entry(2920, org.kernsim.engine.Liveness.class),
          new KryoRegistry.Entry(2921, org.kernsim.engine.Obligation.class),
          new KryoRegistry.Entry(2922, org.kernsim.engine.schedule.Strategy.class),
          new KryoRegistry.Entry(2923, org.kernsim.engine.schedule.Strategy.Kind.class));

  private static final int MAX_STATE_BYTES = Integer.MAX_VALUE - 16;

  private final Environment env;
  private final List<KryoRegistry.Entry> rows;
  private final Pool<Kryo> kryos;

  public StateCodec(Simulation sim) {
    this.env = Environment.of(sim);
    this.rows = sim.stateClasses();
    this.kryos =
        new Pool<>(true, false, 16) {
          @Override
          protected Kryo create() {
            return newKryo(rows, env);
          }
        };
  }

  /** The metrics of a snapshot, decoded once for every run resumed from it. */
  private record DecodedMetrics(SimSnapshot snapshot, org.kernsim.engine.Metrics metrics) {}

  private volatile DecodedMetrics lastMetrics;

  /**
   * The metrics of {@code s}, decoded; the same object for the same snapshot while it is the last
   * asked for (forked schedules resume from one snapshot many times). Read only: a run merges it
   * into metrics of its own and never changes it.
   */
  public org.kernsim.engine.Metrics metrics(SimSnapshot s) {
    DecodedMetrics d = lastMetrics;
    if (d != null && d.snapshot() == s) return d.metrics();
    org.kernsim.engine.Metrics m = org.kernsim.engine.Metrics.fromSnapshot(s.metrics());
    lastMetrics = new DecodedMetrics(s, m);
    return m;
  }

  /** The fingerprint of the simulation's configuration graph. */
  public long fingerprint() {
    return env.fingerprint();
  }

  static Kryo newKryo(List<KryoRegistry.Entry> rows, Environment env) {
    EnvReferences refs = new EnvReferences();
    Kryo kryo = new Kryo(new DefaultClassResolver(), refs);
    kryo.setRegistrationRequired(true);
    kryo.setReferences(true);
    kryo.setAutoReset(false);
    kryo.setClassLoader(StateCodec.class.getClassLoader());
    // entities have no no-arg constructors: a no-arg constructor if there is one, else Objenesis
    // (allocation without a constructor, through jdk.unsupported: no --add-opens); every field is
    // then read from the stream
    kryo.setInstantiatorStrategy(
        new com.esotericsoftware.kryo.util.DefaultInstantiatorStrategy(
            new org.objenesis.strategy.StdInstantiatorStrategy()));
    KryoRegistry.registerTable(
        kryo,
        () -> {
          throw new KryoException("an ActorRef in simulation state: entities address by id");
        },
        null);
    // state arrays may be shared and cyclic: Kryo's own, which register the array before its
    // elements (the wire's read elements first)
    kryo.register(
        Object[].class,
        new DefaultArraySerializers.ObjectArraySerializer(kryo, Object[].class),
        kryo.getRegistration(Object[].class).getId());
    Set<Integer> ids = new HashSet<>();
    for (KryoRegistry.Entry e : ENGINE_ROWS) register(kryo, e, ids, 2900, 2999);
    StateCollections.register(kryo);
    for (KryoRegistry.Entry e : rows) register(kryo, e, ids, 2000, 2899);
    refs.setEnvironment(env);
    return kryo;
  }

  private static void register(Kryo kryo, KryoRegistry.Entry e, Set<Integer> ids, int lo, int hi) {
    if (e.id() < lo || e.id() > hi)
      throw new IllegalStateException(
          "state class " + e.type().getName() + " has id " + e.id() + ", outside " + lo + "-" + hi);
    if (!ids.add(e.id()))
      throw new IllegalStateException("state class id " + e.id() + " used twice: " + e.type());
    Class<?> c = e.type();
    Serializer<?> s;
    if (c == ClosureSerializer.Closure.class) s = new LambdaSerializer();
    else if (c == ArrayDeque.class || c == PriorityQueue.class) s = null; // see StateCollections
    else if (c == BitSet.class) s = new DefaultSerializers.BitSetSerializer();
    else if (c.isRecord() || c.isEnum() || c.isArray() || c == Object.class) s = null;
    else {
      FieldSerializer.FieldSerializerConfig cfg = new FieldSerializer.FieldSerializerConfig();
      cfg.setIgnoreSyntheticFields(false);
      s = new FieldSerializer<>(kryo, c, cfg);
    }
    if (s == null) kryo.register(c, e.id());
    else kryo.register(c, s, e.id());
  }

  private Kryo obtain() {
    Kryo k = kryos.obtain();
    k.reset();
    return k;
  }

  private void free(Kryo k) {
    k.reset();
    kryos.free(k);
  }

  /** One entity's runtime and logic as bytes. */
  public byte[] writeEntity(EntityRuntime rt) {
    Kryo kryo = obtain();
    try {
      Output out = new Output(256, MAX_STATE_BYTES);
      EntityRuntime.Saved s = rt.saved();
      out.writeVarLong(s.random(), false);
      out.writeBoolean(s.faultStarted());
      out.writeVarLong(s.faultRandom(), false);
      out.writeVarLong(s.now(), false);
      out.writeVarLong(s.seq(), true);
      out.writeVarLong(s.lastTime(), false);
      out.writeVarInt(s.lastSrc(), false);
      out.writeVarLong(s.lastSeq(), false);
      out.writeVarLong(s.delivered(), true);
      out.writeVarLong(s.recordIndex(), true);
      out.writeVarInt(s.timerGen(), true);
      out.writeVarInt(s.timers().size(), true);
      // in generation order (each start is a new generation): the same bytes for the same state
      List<Map.Entry<Object, Integer>> timers = new ArrayList<>(s.timers().entrySet());
      timers.sort(Map.Entry.comparingByValue());
      for (Map.Entry<Object, Integer> t : timers) {
        kryo.writeClassAndObject(out, t.getKey());
        out.writeVarInt(t.getValue(), true);
      }
      byte[] d = s.digest();
      out.writeVarInt(d == null ? 0 : d.length + 1, true);
      if (d != null) out.writeBytes(d);
      // in receiver order: the same bytes for the same state
      List<Map.Entry<Integer, Long>> held = new ArrayList<>(s.heldBack().entrySet());
      held.sort(Map.Entry.comparingByKey());
      out.writeVarInt(held.size(), true);
      for (Map.Entry<Integer, Long> h : held) {
        out.writeVarInt(h.getKey(), true);
        out.writeVarLong(h.getValue(), true);
      }
      kryo.writeClassAndObject(out, rt.logic());
      return out.toBytes();
    } catch (KryoException | IllegalArgumentException e) {
      List<Class<?>> missing = missingClasses(rt.logic());
      if (!missing.isEmpty()) {
        throw new IllegalStateException(
            "snapshot of entity "
                + rt.name(rt.id())
                + ": classes not in the simulation's state classes (Simulation.stateClasses(),"
                + " ids 2000-2999): "
                + missing.stream().map(Class::getName).toList(),
            e);
      }
      throw failure("entity " + rt.name(rt.id()), e);
    } finally {
      free(kryo);
    }
  }

  /** What {@link #readEntity} gives back: the runtime's saved state and the entity's logic. */
  public record EntityParts(EntityRuntime.Saved saved, Entity logic) {}

  public EntityParts readEntity(byte[] bytes) {
    Kryo kryo = obtain();
    try {
      Input in = new Input(bytes);
      long random = in.readVarLong(false);
      boolean faultStarted = in.readBoolean();
      long fault = in.readVarLong(false);
      long now = in.readVarLong(false);
      long seq = in.readVarLong(true);
      long lastTime = in.readVarLong(false);
      int lastSrc = in.readVarInt(false);
      long lastSeq = in.readVarLong(false);
      long delivered = in.readVarLong(true);
      long recordIndex = in.readVarLong(true);
      int timerGen = in.readVarInt(true);
      int nt = in.readVarInt(true);
      Map<Object, Integer> timers = new HashMap<>(Math.max(4, nt * 2));
      for (int i = 0; i < nt; i++) timers.put(kryo.readClassAndObject(in), in.readVarInt(true));
      int dl = in.readVarInt(true);
      byte[] digest = dl == 0 ? null : in.readBytes(dl - 1);
      int nh = in.readVarInt(true);
      if (nh > in.limit() - in.position())
        throw new IllegalArgumentException("held-back channels " + nh + " exceed the bytes left");
      Map<Integer, Long> heldBack = new HashMap<>(Math.max(4, nh * 2));
      for (int i = 0; i < nh; i++) heldBack.put(in.readVarInt(true), in.readVarLong(true));
      Entity logic = (Entity) kryo.readClassAndObject(in);
      return new EntityParts(
          new EntityRuntime.Saved(
              random,
              faultStarted,
              fault,
              now,
              seq,
              lastTime,
              lastSrc,
              lastSeq,
              delivered,
              recordIndex,
              timerGen,
              timers,
              digest,
              heldBack),
          logic);
    } catch (KryoException | IllegalArgumentException e) {
      throw failure("entity state", e);
    } finally {
      free(kryo);
    }
  }

  /** The checkers' state and the violations so far. */
  public record Observed(List<Checker> checkers, List<Violation> violations, long records) {}

  public byte[] writeObservation(Observed o) {
    Kryo kryo = obtain();
    try {
      Output out = new Output(256, MAX_STATE_BYTES);
      kryo.writeClassAndObject(out, new ArrayList<>(o.checkers()));
      kryo.writeClassAndObject(out, new ArrayList<>(o.violations()));
      out.writeVarLong(o.records(), true);
      return out.toBytes();
    } catch (KryoException | IllegalArgumentException e) {
      throw failure("checkers", e);
    } finally {
      free(kryo);
    }
  }

  @SuppressWarnings("unchecked")
  public Observed readObservation(byte[] bytes) {
    Kryo kryo = obtain();
    try {
      Input in = new Input(bytes);
      List<Checker> checkers = (List<Checker>) kryo.readClassAndObject(in);
      List<Violation> violations = (List<Violation>) kryo.readClassAndObject(in);
      return new Observed(checkers, violations, in.readVarLong(true));
    } catch (KryoException | IllegalArgumentException e) {
      throw failure("checkers' state", e);
    } finally {
      free(kryo);
    }
  }

  private static IllegalStateException failure(String what, RuntimeException e) {
    String m = e.getMessage();
    if (m != null && m.startsWith("Class is not registered")) {
      String cls = m.substring(m.indexOf(':') + 1).trim();
      int nl = cls.indexOf('\n');
      if (nl > 0) cls = cls.substring(0, nl);
      return new IllegalStateException(
          "snapshot of "
              + what
              + ": class "
              + cls
              + " is not in the simulation's state classes (Simulation.stateClasses(), ids"
              + " 2000-2999); add a row for it",
          e);
    }
    return new IllegalStateException("snapshot of " + what + ": " + m, e);
  }

  /**
   * The classes reachable from {@code root} (an entity, a checker) that have no row, in the order
   * found: what a snapshot of it would fail on. Configuration objects are not entered.
   */
  public List<Class<?>> missingClasses(Object root) {
    Kryo k = kryos.obtain();
    try {
      java.util.LinkedHashSet<Class<?>> missing = new java.util.LinkedHashSet<>();
      java.util.IdentityHashMap<Object, Boolean> seen = new java.util.IdentityHashMap<>();
      ArrayDeque<Object> queue = new ArrayDeque<>();
      queue.add(root);
      seen.put(root, true);
      while (!queue.isEmpty()) {
        Object o = queue.poll();
        Class<?> c = o.getClass();
        if (!registered(k, c)) missing.add(c);
        if (env.idOf(o) >= 0 && o != root) continue;
        List<Object> next = new ArrayList<>();
        if (c.isArray()) {
          if (!c.getComponentType().isPrimitive())
            next.addAll(java.util.Arrays.asList((Object[]) o));
        } else if (o instanceof java.util.Collection<?> col) {
          next.addAll(col);
        } else if (o instanceof Map<?, ?> m) {
          for (Map.Entry<?, ?> e : m.entrySet()) {
            next.add(e.getKey());
            next.add(e.getValue());
          }
          if (o instanceof java.util.SortedMap<?, ?> sm) next.add(sm.comparator());
        } else if (!Environment.isJdk(c)) {
          for (java.lang.reflect.Field f : Environment.fields(c)) {
            try {
              next.add(f.get(o));
            } catch (IllegalAccessException e) {
              throw new IllegalStateException(e);
            }
          }
        }
        for (Object x : next) {
          if (x == null || seen.containsKey(x)) continue;
          if (Environment.isValue(x.getClass())) {
            Class<?> v = x.getClass();
            if (!registered(k, v)) missing.add(v.isEnum() ? v : v.getSuperclass());
            continue;
          }
          seen.put(x, true);
          queue.add(x);
        }
      }
      return new ArrayList<>(missing);
    } finally {
      kryos.free(k);
    }
  }

  private static boolean registered(Kryo k, Class<?> type) {
    try {
      return k.getRegistration(type) != null;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
