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

  /** How a codec restores an entity, or the checkers, from the same bytes the second time on. */
  public enum Restore {
    /** Deserialize the bytes at every restore. */
    DESERIALIZE,
    /**
     * Deserialize the bytes once more into a template, then copy the template at every restore
     * ({@link StateCopier}): the same state as a deserialization, at a fraction of its cost.
     */
    COPY
  }

  private final Restore restore;
  private final StateCopier copier;

  /**
   * Per state bytes (a snapshot's entity or checkers, by identity; weakly, so that a snapshot's
   * templates go with it): {@link #ONCE} after its first restore, then its template, or {@link
   * #UNCOPYABLE}. One map per thread: the explore threads restore about a hundred entities per
   * schedule each, and never wait for each other here (a template is made once per thread).
   */
  private final ThreadLocal<Map<byte[], Object>> templates =
      ThreadLocal.withInitial(java.util.WeakHashMap::new);

  private static final Object ONCE = new Object();
  private static final Object UNCOPYABLE = new Object();
  private final java.util.concurrent.atomic.LongAdder copies =
      new java.util.concurrent.atomic.LongAdder();
  private final java.util.concurrent.atomic.LongAdder decodes =
      new java.util.concurrent.atomic.LongAdder();

  /** A codec that restores by copy ({@link Restore#COPY}). */
  public StateCodec(Simulation sim) {
    this(sim, Restore.COPY);
  }

  public StateCodec(Simulation sim, Restore restore) {
    this.restore = restore;
    this.env = Environment.of(sim);
    this.copier = new StateCopier(env);
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
   * The metrics decoded so far, by snapshot (weakly: they go with it). A coverage-guided
   * exploration resumes from many snapshots in turn, so the last one alone rarely matches.
   */
  private final Map<org.kernsim.protocol.engine.MetricsSnapshot, org.kernsim.engine.Metrics>
      decodedMetrics = java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

  /**
   * The metrics of {@code s}, decoded; the same object for the same snapshot while the snapshot
   * lives (forked schedules resume from one snapshot many times, guided ones from many in turn).
   * Read only: a run merges it into metrics of its own and never changes it.
   */
  public org.kernsim.engine.Metrics metrics(SimSnapshot s) {
    DecodedMetrics d = lastMetrics;
    if (d != null && d.snapshot() == s) return d.metrics();
    org.kernsim.engine.Metrics m =
        decodedMetrics.computeIfAbsent(
            s.metrics(), x -> org.kernsim.engine.Metrics.fromSnapshot(x));
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
    else if (c.isRecord()) s = KryoRegistry.recordSerializer(c);
    else if (c.isEnum() || c.isArray() || c == Object.class) s = null;
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

  /**
   * A deep copy of the entity's state as it is now, in memory (a speculative round's checkpoint,
   * ADR 108): the same parts {@link #readEntity} would give for {@link #writeEntity}'s bytes —
   * objects made as a read makes them, immutable ones shared — without writing or reading bytes. A
   * state the copier cannot copy goes through the bytes instead.
   */
  public EntityParts copyEntity(EntityRuntime rt) {
    EntityParts live = new EntityParts(rt.saved(), rt.logic());
    EntityTemplate t;
    Kryo kryo = obtain();
    try {
      // the live state as the template: compiled and copied at once, before anything changes it
      t = compileEntity(kryo, live);
    } catch (IllegalStateException uncopyable) {
      t = null;
    } finally {
      free(kryo);
    }
    if (t == null) {
      checkpointBytes.increment();
      return decodeEntityBytes(writeEntity(rt));
    }
    checkpointCopies.increment();
    return t.copy();
  }

  private EntityParts decodeEntityBytes(byte[] bytes) {
    Kryo kryo = obtain();
    try {
      return decodeEntity(bytes, kryo);
    } finally {
      free(kryo);
    }
  }

  /** What {@link #readEntity} gives back: the runtime's saved state and the entity's logic. */
  public record EntityParts(EntityRuntime.Saved saved, Entity logic) {}

  /**
   * The entity the bytes hold. The first restore from an array deserializes it; with {@link
   * Restore#COPY}, the following ones copy a template deserialized from it (a forked exploration
   * restores each touched entity of a snapshot once per schedule).
   */
  public EntityParts readEntity(byte[] bytes) {
    Object t = template(bytes);
    if (t instanceof EntityTemplate et) {
      copies.increment();
      return et.copy();
    }
    if (t == ONCE) {
      Kryo kryo = obtain();
      try {
        EntityParts parts = decodeEntity(bytes, kryo);
        t = compileEntity(kryo, parts);
      } catch (RuntimeException e) {
        t = UNCOPYABLE; // its own read fails below, with its own message
      } finally {
        free(kryo);
      }
      templates.get().put(bytes, t);
      if (t instanceof EntityTemplate et) {
        copies.increment();
        return et.copy();
      }
    }
    decodes.increment();
    Kryo kryo = obtain();
    try {
      return decodeEntity(bytes, kryo);
    } finally {
      free(kryo);
    }
  }

  /**
   * The restores of runs resumed from {@code snapshot} on this thread: the same parts as {@link
   * #readEntity} gives for an entity's bytes, its template found by the entity's id rather than by
   * the bytes' identity in a weak map (a forked schedule restores most of a hundred entities, and
   * each thread runs many schedules from one snapshot in a row). The last snapshot's restorer is
   * kept per thread.
   */
  public Restorer restorer(SimSnapshot snapshot) {
    Restorer r = lastRestorer.get();
    if (r == null || r.entities != snapshot.entities()) {
      r = new Restorer(snapshot.entities());
      lastRestorer.set(r);
    }
    return r;
  }

  private final ThreadLocal<Restorer> lastRestorer = new ThreadLocal<>();

  /** One thread's restores from one snapshot (see {@link #restorer}). */
  public final class Restorer {
    private final List<SimSnapshot.EntityState> entities;
    private final EntityTemplate[] byId;

    private Restorer(List<SimSnapshot.EntityState> entities) {
      this.entities = entities;
      this.byId = new EntityTemplate[entities.size()];
    }

    /**
     * Entity {@code id}'s state as {@link #readEntity} reads it from the snapshot; without {@code
     * digest} the parts hold no history digest (for a run that does not hash).
     */
    public EntityParts read(int id, boolean digest) {
      EntityTemplate t = byId[id];
      if (t != null) {
        copies.increment();
        return t.copy(digest);
      }
      byte[] bytes = entities.get(id).state();
      EntityParts p = readEntity(bytes);
      if (templates.get().get(bytes) instanceof EntityTemplate et) byId[id] = et;
      return p;
    }
  }

  /**
   * What the codec does with {@code bytes} now: null (deserialize them; the first time), {@link
   * #ONCE} (make a template: the second time), a template, or {@link #UNCOPYABLE}.
   */
  private Object template(byte[] bytes) {
    if (restore == Restore.DESERIALIZE) return null;
    Map<byte[], Object> mine = templates.get();
    Object t = mine.get(bytes);
    if (t == null) mine.put(bytes, ONCE);
    return t;
  }

  /** {@link #copyEntity}s that copied in memory, and those that went through the bytes. */
  public long[] checkpoints() {
    return new long[] {checkpointCopies.sum(), checkpointBytes.sum()};
  }

  private final java.util.concurrent.atomic.LongAdder checkpointCopies =
      new java.util.concurrent.atomic.LongAdder();
  private final java.util.concurrent.atomic.LongAdder checkpointBytes =
      new java.util.concurrent.atomic.LongAdder();

  /** Restores that copied a template, and restores that deserialized (since the codec was made). */
  public long[] restores() {
    return new long[] {copies.sum(), decodes.sum()};
  }

  /** An entity's state, read once from its bytes, and its compiled copy plan. */
  private record EntityTemplate(
      EntityRuntime.Saved saved,
      int timers,
      int[] generations,
      StateCopier.Plan plan,
      Map<Integer, Long> sharedHeld) {
    EntityParts copy() {
      return copy(true);
    }

    /**
     * A fresh copy; without {@code digest} its history digest is left out (a run that does not hash
     * drops it at once). At most one held-back channel (nearly every entity): one read-only map for
     * every copy, since a restore only reads it.
     */
    EntityParts copy(boolean digest) {
      Object[] o = plan.copy(); // the timers' keys in stream order, then the logic
      Map<Object, Integer> t = new HashMap<>(Math.max(4, timers * 2));
      for (int i = 0; i < timers; i++) t.put(o[i], generations[i]);
      EntityRuntime.Saved s = saved;
      Map<Integer, Long> held = sharedHeld;
      if (held == null) {
        held = new HashMap<>(Math.max(4, s.heldBack().size() * 2));
        // inserted in the order of the read (see compileEntity)
        for (Map.Entry<Integer, Long> h : s.heldBack().entrySet())
          held.put(h.getKey(), h.getValue());
      }
      byte[] d = digest && s.digest() != null ? s.digest().clone() : null;
      return new EntityParts(s.with(t, d, held), (Entity) o[timers]);
    }
  }

  private EntityTemplate compileEntity(Kryo kryo, EntityParts parts) {
    EntityRuntime.Saved s = parts.saved();
    // the timers in the order they were read (generation order: see writeEntity)
    List<Map.Entry<Object, Integer>> timers = new ArrayList<>(s.timers().entrySet());
    timers.sort(Map.Entry.comparingByValue());
    Object[] roots = new Object[timers.size() + 1];
    int[] generations = new int[timers.size()];
    for (int i = 0; i < timers.size(); i++) {
      roots[i] = timers.get(i).getKey();
      generations[i] = timers.get(i).getValue();
    }
    roots[timers.size()] = parts.logic();
    // held-back channels in the order they were read (receiver order: see writeEntity)
    Map<Integer, Long> held = new java.util.LinkedHashMap<>();
    new java.util.TreeMap<>(s.heldBack()).forEach(held::put);
    Map<Integer, Long> shared = held.size() <= 1 ? Map.copyOf(held) : null;
    try {
      return new EntityTemplate(
          s.with(Map.of(), s.digest(), held),
          timers.size(),
          generations,
          copier.compile(kryo, roots),
          shared);
    } catch (StateCopier.Uncopyable e) {
      throw new IllegalStateException(e.getMessage());
    }
  }

  private EntityParts decodeEntity(byte[] bytes, Kryo kryo) {
    kryo.reset();
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

  /**
   * The checkers' state the bytes hold: deserialized the first time, then (with {@link
   * Restore#COPY}) copied from a template, as {@link #readEntity} does.
   */
  public Observed readObservation(byte[] bytes) {
    Object t = template(bytes);
    if (t == ONCE) {
      Kryo kryo = obtain();
      try {
        Observed o = decodeObservation(bytes, kryo);
        t = new ObservedTemplate(o.records(), copier.compile(kryo, o.checkers(), o.violations()));
      } catch (RuntimeException | StateCopier.Uncopyable e) {
        t = UNCOPYABLE;
      } finally {
        free(kryo);
      }
      templates.get().put(bytes, t);
    }
    if (t instanceof ObservedTemplate ot) return ot.copy();
    Kryo kryo = obtain();
    try {
      return decodeObservation(bytes, kryo);
    } finally {
      free(kryo);
    }
  }

  private record ObservedTemplate(long records, StateCopier.Plan plan) {
    @SuppressWarnings("unchecked")
    Observed copy() {
      Object[] o = plan.copy();
      return new Observed((List<Checker>) o[0], (List<Violation>) o[1], records);
    }
  }

  @SuppressWarnings("unchecked")
  private Observed decodeObservation(byte[] bytes, Kryo kryo) {
    try {
      Input in = new Input(bytes);
      List<Checker> checkers = (List<Checker>) kryo.readClassAndObject(in);
      List<Violation> violations = (List<Violation>) kryo.readClassAndObject(in);
      return new Observed(checkers, violations, in.readVarLong(true));
    } catch (KryoException | IllegalArgumentException e) {
      throw failure("checkers' state", e);
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
