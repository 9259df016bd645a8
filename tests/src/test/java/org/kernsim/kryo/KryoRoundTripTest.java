package org.kernsim.kryo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kernsim.config.ClusterConfig;
import org.kernsim.protocol.engine.Event;
import org.kernsim.protocol.engine.PartitionCommand;
import org.kernsim.protocol.kryo.KryoRegistry;
import org.kernsim.protocol.kryo.KryoSerializer;
import org.kernsim.protocol.phold.Hop;
import org.kernsim.protocol.stopmachine.StopMachineMessage;

/**
 * A representative instance of every protocol message class — built reflectively from its record
 * components, ActorRefs included — goes through the configured serializer (Kryo, found through the
 * WireMessage binding, on a cluster-provider system) and comes back equal.
 */
class KryoRoundTripTest {
  static ActorTestKit kit;
  static Serialization serialization;
  static ActorRef<String> probe;

  @BeforeAll
  static void start() {
    Config c = ClusterConfig.node(ClusterConfig.Role.WORKER, "127.0.0.1", 0, List.of(), null);
    kit = ActorTestKit.create("kernsim", c);
    serialization = SerializationExtension.get(Adapter.toClassic(kit.system()));
    probe = kit.<String>createTestProbe().ref();
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void everyMessageClassRoundTrips() {
    List<Class<?>> wire = ProtocolClasses.wireMessages();
    for (Class<?> c : wire) {
      Object msg = sample(c, 0);
      Object back = roundTrip(msg);
      assertDeepEquals(msg, back, c.getName());
    }
  }

  @Test
  void batchesKeepEveryEventWithPayloadsAndTimerKeys() {
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      Object payload =
          i % 3 == 0
              ? new Hop(i)
              : new StopMachineMessage.PhaseAcked(i, StopMachineMessage.StopPhase.RUN, 2);
      events.add(
          new Event(
              1_000_000L * i,
              i,
              i * 7L,
              100 - i,
              payload,
              i % 5 == 0 ? "timer-" + i : null,
              i % 5));
    }
    PartitionCommand.Batch b = new PartitionCommand.Batch(123, 2, events);
    assertDeepEquals(b, roundTrip(b), "batch");
  }

  @Test
  void jdkCollectionsKeepTheirKindAndOrder() {
    List<Object> values =
        List.of(
            new ArrayList<>(List.of(1, 2)),
            new LinkedList<>(List.of(1L)),
            List.of(),
            List.of(1),
            List.of(1, 2, 3),
            Arrays.asList(1, null),
            Collections.emptyList(),
            Collections.singletonList(2),
            new HashMap<>(Map.of(1, 2L)),
            new TreeMap<>(Map.of("b", 1, "a", 2)),
            new LinkedHashMap<>(Map.of(3, "x")),
            Map.of(),
            Map.of(1, 2),
            Set.of(1, 2, 3),
            new int[] {1, 2},
            new byte[] {3},
            new long[] {4L},
            new String[] {"a"});
    for (Object v : values) {
      Object wrapped = new StopMachineMessage.StopFnCall(1, 2, v); // Object field: any value
      Object back = ((StopMachineMessage.StopFnCall) roundTrip(wrapped)).fn();
      assertDeepEquals(v, back, v.getClass().getName());
      if (!v.getClass().isArray()) assertEquals(v.getClass(), back.getClass(), "kind of " + v);
    }
  }

  /**
   * Records go through {@code RecordFields} (method handles made once) instead of Kryo's reflective
   * {@code RecordSerializer}: every record of the table, and records nested in them, write the same
   * bytes as Kryo's own serializer writes (so the wire and saved snapshots keep their format) and
   * read back equal, with nulls and a component of an open type among them.
   */
  @Test
  void recordsAreWrittenByteForByteAsKryosOwnRecordSerializerWritesThem() {
    org.apache.pekko.actor.typed.ActorRefResolver resolver =
        org.apache.pekko.actor.typed.ActorRefResolver.get(kit.system());
    com.esotericsoftware.kryo.Kryo ours = KryoRegistry.newKryo(() -> resolver);
    com.esotericsoftware.kryo.Kryo stock = KryoRegistry.newKryo(() -> resolver);
    int records = 0;
    List<Object> samples = new ArrayList<>();
    for (KryoRegistry.Entry e : KryoRegistry.TABLE) {
      if (!e.type().isRecord()) continue;
      if (e.type() == Event.class || e.type() == PartitionCommand.Batch.class) continue; // own
      com.esotericsoftware.kryo.Serializer<?> s = ours.getRegistration(e.type()).getSerializer();
      assertInstanceOf(
          com.esotericsoftware.kryo.serializers.RecordSerializer.class, s, e.type().getName());
      assertTrue(
          s.getClass() != com.esotericsoftware.kryo.serializers.RecordSerializer.class,
          e.type().getName() + ": Kryo's reflective RecordSerializer");
      samples.add(sample(e.type(), 0));
      Object nulls = withNulls(e.type());
      if (nulls != null) samples.add(nulls);
      stock.register(
          e.type(), new com.esotericsoftware.kryo.serializers.RecordSerializer<>(e.type()), e.id());
      records++;
    }
    assertTrue(records >= 100, "records in the table: " + records);
    assertTrue(samples.size() > records + 20, "records with null components: " + samples.size());
    for (Object o : samples) {
      byte[] a = bytes(ours, o);
      byte[] b = bytes(stock, o);
      assertTrue(
          Arrays.equals(a, b),
          o.getClass().getName() + ": " + Arrays.toString(a) + " != " + Arrays.toString(b));
      Object back = ours.readClassAndObject(new com.esotericsoftware.kryo.io.Input(a));
      assertDeepEquals(o, back, o.getClass().getName());
      assertDeepEquals(
          o,
          stock.readClassAndObject(new com.esotericsoftware.kryo.io.Input(a)),
          o.getClass().getName() + " read by Kryo's own");
    }
  }

  /**
   * A record's frame with a value of another class for a component is refused with one wording,
   * however often (the JDK's reflection words the same refusal two ways, the second with an
   * identity hash, once its constructor accessor is generated after 15 calls).
   */
  @Test
  void aComponentOfTheWrongClassIsRefusedInOneWording() throws Exception {
    org.apache.pekko.actor.typed.ActorRefResolver resolver =
        org.apache.pekko.actor.typed.ActorRefResolver.get(kit.system());
    com.esotericsoftware.kryo.Kryo k = KryoRegistry.newKryo(() -> resolver);
    com.esotericsoftware.kryo.io.Output out = new com.esotericsoftware.kryo.io.Output(256, -1);
    // PartitionSnapshot's components in the order of their names, entities a String
    k.writeClass(out, org.kernsim.protocol.engine.CoordinatorCommand.PartitionSnapshot.class);
    k.writeClassAndObject(out, "not a list"); // entities
    k.writeObject(out, Boolean.TRUE); // last
    k.writeObjectOrNull(out, null, org.kernsim.protocol.engine.MetricsSnapshot.class); // metrics
    out.writeVarInt(1, false); // partition
    k.writeClassAndObject(out, new ArrayList<>()); // pending
    out.writeVarLong(2, false); // window
    byte[] frame = out.toBytes();
    KryoSerializer s = (KryoSerializer) serialization.serializerFor(Hop.class);
    java.util.Set<String> lines = new java.util.TreeSet<>();
    for (int i = 0; i < 20; i++)
      lines.add(
          assertThrows(java.io.NotSerializableException.class, () -> s.fromBinary(frame, "k1"))
              .getMessage());
    assertEquals(
        java.util.Set.of(
            "kernsim Kryo: refused a frame of "
                + frame.length
                + " bytes: cannot construct"
                + " org.kernsim.protocol.engine.CoordinatorCommand$PartitionSnapshot: a component"
                + " of the wrong type"),
        lines);
  }

  /** A sample of record {@code c} with every non-primitive component null; null if it refuses. */
  private static Object withNulls(Class<?> c) {
    RecordComponent[] rc = c.getRecordComponents();
    Object[] args = new Object[rc.length];
    Class<?>[] types = new Class<?>[rc.length];
    boolean any = false;
    for (int i = 0; i < rc.length; i++) {
      types[i] = rc[i].getType();
      if (types[i].isPrimitive()) args[i] = sample(types[i], 1);
      else any = true;
    }
    if (!any) return null;
    try {
      Constructor<?> k = c.getDeclaredConstructor(types);
      k.setAccessible(true);
      return k.newInstance(args);
    } catch (ReflectiveOperationException e) {
      return null; // its compact constructor refuses nulls
    }
  }

  private static byte[] bytes(com.esotericsoftware.kryo.Kryo kryo, Object o) {
    com.esotericsoftware.kryo.io.Output out = new com.esotericsoftware.kryo.io.Output(256, -1);
    kryo.writeClassAndObject(out, o);
    return out.toBytes();
  }

  @Test
  void unregisteredClassesAreRefused() {
    record NotInTheTable(int x) implements org.kernsim.protocol.WireMessage {}
    KryoSerializer s = (KryoSerializer) serialization.findSerializerFor(new Hop(1));
    Exception e =
        assertThrows(IllegalArgumentException.class, () -> s.toBinary(new NotInTheTable(1)));
    assertTrue(e.getMessage().contains("not registered"), e.getMessage());
    assertThrows(
        java.io.NotSerializableException.class, () -> s.fromBinary(new byte[] {1}, "other"));
  }

  static Object roundTrip(Object msg) {
    Serializer s = serialization.findSerializerFor(msg);
    assertInstanceOf(KryoSerializer.class, s, "serializer of " + msg.getClass());
    byte[] bytes = serialization.serialize(msg).get();
    String manifest = Serializers.manifestFor(s, msg);
    return serialization.deserialize(bytes, s.identifier(), manifest).get();
  }

  // ------------------------------------------------------------------ building samples

  static Object sample(Type t, int depth) {
    if (t instanceof ParameterizedType p) {
      Class<?> raw = (Class<?>) p.getRawType();
      Type[] args = p.getActualTypeArguments();
      if (List.class.isAssignableFrom(raw) || Collection.class == raw) {
        List<Object> l = new ArrayList<>();
        l.add(sample(args[0], depth + 1));
        l.add(sample(args[0], depth + 1));
        return l;
      }
      if (Map.class.isAssignableFrom(raw)) {
        Map<Object, Object> m = new TreeMap<>();
        m.put(sample(args[0], depth + 1), sample(args[1], depth + 1));
        return m;
      }
      if (ActorRef.class.isAssignableFrom(raw)) return probe;
      return sample(raw, depth);
    }
    if (t instanceof java.lang.reflect.WildcardType w) return sample(w.getUpperBounds()[0], depth);
    Class<?> c = (Class<?>) t;
    if (c == int.class || c == Integer.class) return 7 + depth;
    if (c == long.class || c == Long.class) return 1_234_567_890_123L + depth;
    if (c == boolean.class || c == Boolean.class) return true;
    if (c == double.class || c == Double.class) return 0.25;
    if (c == byte.class || c == Byte.class) return (byte) (3 + depth);
    if (c == short.class || c == Short.class) return (short) 5;
    if (c == char.class || c == Character.class) return (char) 65;
    if (c == float.class || c == Float.class) return 0.5f;
    if (c == String.class) return "s" + depth;
    if (c.isEnum()) return c.getEnumConstants()[c.getEnumConstants().length - 1];
    if (c.isArray()) {
      Object a = Array.newInstance(c.getComponentType(), 2);
      for (int i = 0; i < 2; i++) Array.set(a, i, sample(c.getComponentType(), depth + 1));
      return a;
    }
    if (ActorRef.class.isAssignableFrom(c)) return probe;
    if (c == Object.class) return depth < 3 ? new Hop(depth) : "leaf";
    if (c.isSealed()) {
      for (Class<?> s : c.getPermittedSubclasses())
        if (ProtocolClasses.isConcrete(s)) return sample(s, depth);
      for (Class<?> s : c.getPermittedSubclasses()) if (s.isSealed()) return sample(s, depth);
    }
    if (c.isRecord()) {
      RecordComponent[] rc = c.getRecordComponents();
      Object[] args = new Object[rc.length];
      Class<?>[] types = new Class<?>[rc.length];
      for (int i = 0; i < rc.length; i++) {
        args[i] = sample(rc[i].getGenericType(), depth + 1);
        types[i] = rc[i].getType();
      }
      try {
        Constructor<?> k = c.getDeclaredConstructor(types);
        k.setAccessible(true);
        return k.newInstance(args);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot build " + c, e);
      }
    }
    throw new IllegalStateException("no sample for " + c);
  }

  static void assertDeepEquals(Object a, Object b, String what) {
    if (a == null || b == null) {
      assertEquals(a, b, what);
      return;
    }
    if (a.getClass().isArray()) {
      assertTrue(b.getClass().isArray(), what);
      assertEquals(Array.getLength(a), Array.getLength(b), what);
      for (int i = 0; i < Array.getLength(a); i++)
        assertDeepEquals(Array.get(a, i), Array.get(b, i), what + "[" + i + "]");
    } else if (a instanceof Record) {
      assertEquals(a.getClass(), b.getClass(), what);
      for (RecordComponent rc : a.getClass().getRecordComponents()) {
        try {
          rc.getAccessor().setAccessible(true);
          assertDeepEquals(
              rc.getAccessor().invoke(a), rc.getAccessor().invoke(b), what + "." + rc.getName());
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(e);
        }
      }
    } else if (a instanceof Collection<?> ca) {
      Collection<?> cb = (Collection<?>) b;
      assertEquals(ca.size(), cb.size(), what);
      if (a instanceof Set<?>) {
        assertEquals(a, b, what);
        return;
      }
      Iterator<?> ib = cb.iterator();
      int i = 0;
      for (Object x : ca) assertDeepEquals(x, ib.next(), what + "[" + i++ + "]");
    } else if (a instanceof Map<?, ?> ma) {
      Map<?, ?> mb = (Map<?, ?>) b;
      assertEquals(ma.keySet(), mb.keySet(), what);
      for (Object k : ma.keySet()) assertDeepEquals(ma.get(k), mb.get(k), what + "[" + k + "]");
    } else {
      assertEquals(a, b, what);
    }
  }
}
