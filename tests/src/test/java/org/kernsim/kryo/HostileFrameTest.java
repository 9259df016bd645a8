package org.kernsim.kryo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.Config;
import java.io.ByteArrayOutputStream;
import java.io.NotSerializableException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kernsim.config.ClusterConfig;
import org.kernsim.protocol.cluster.NodeCommand;
import org.kernsim.protocol.engine.Event;
import org.kernsim.protocol.engine.PartitionCommand;
import org.kernsim.protocol.kryo.ClusterToken;
import org.kernsim.protocol.kryo.KryoRegistry;
import org.kernsim.protocol.kryo.KryoSerializer;
import org.kernsim.protocol.phold.Hop;

/**
 * The attacks of issue 9, as frames given to the serializer of a cluster node (the remote actor-ref
 * provider, whose resolve cache crashed the JVM on a null reference): each is refused with a
 * NotSerializableException of one line — which Artery logs before it drops the frame — and nothing
 * else: no crash, no OutOfMemoryError, no StackOverflowError, no allocation out of proportion to
 * the frame. Then mutations of every message class: each decodes to a message or is refused, never
 * anything else. (HostileFramesOverTheWireTest sends such frames to a live node over TCP.)
 */
class HostileFrameTest {
  static ActorTestKit kit;
  static KryoSerializer kryo;
  static String probePath;

  @BeforeAll
  static void start() {
    Config c = ClusterConfig.node(ClusterConfig.Role.WORKER, "127.0.0.1", 0, List.of(), null);
    kit = ActorTestKit.create("kernsim", c);
    Serialization serialization = SerializationExtension.get(Adapter.toClassic(kit.system()));
    kryo =
        (KryoSerializer) serialization.serializerByIdentity().get(KryoSerializer.IDENTIFIER).get();
    ActorRef<String> probe = kit.<String>createTestProbe().ref();
    KryoRoundTripTest.probe = probe; // samples of records with ActorRef components
    probePath = ActorRefResolver.get(kit.system()).toSerializationFormat(probe);
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  /** The id Kryo writes for a class of the table (ids are written + 2; 0 is null, 1 a name). */
  static int tag(Class<?> type) {
    for (KryoRegistry.Entry e : KryoRegistry.TABLE) if (e.type() == type) return e.id() + 2;
    throw new IllegalArgumentException(type.getName());
  }

  static byte[] frame(int... bytes) {
    byte[] b = new byte[bytes.length];
    for (int i = 0; i < b.length; i++) b[i] = (byte) bytes[i];
    return b;
  }

  /** A positive varint, as Kryo writes it. */
  static void varint(ByteArrayOutputStream out, long v) {
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  static String refused(byte[] frame) {
    NotSerializableException e =
        assertThrows(NotSerializableException.class, () -> kryo.fromBinary(frame, "k1"));
    String m = e.getMessage();
    assertTrue(m.startsWith("kernsim Kryo: refused a frame of " + frame.length + " bytes: "), m);
    assertTrue(m.indexOf('\n') < 0 && m.length() < 300, "one short line: " + m);
    assertEquals(0, e.getStackTrace().length, "no stack trace to log");
    return m;
  }

  @Test
  void aNullActorRefIsRefusedBeforePekkoSeesIt() {
    // the two bytes of the issue: ActorRef's id, then Kryo's null string
    assertTrue(refused(frame(22, 0x80)).contains("ActorRef: null"));
  }

  @Test
  void anActorRefMustBeAnActorOfThisCluster() {
    for (String s :
        List.of(
            "",
            "not a path",
            "pekko://other@127.0.0.1:25520/user/x",
            "akka://kernsim@127.0.0.1:25520/user/x",
            "pekko://kernsim@127.0.0.1/user/x",
            "pekko://kernsim@127.0.0.1:25520/user/" + "x".repeat(2000))) {
      assertTrue(refused(withUtf8String(22, s)).contains("ActorRef"), s);
    }
    // a real one still resolves
    ActorRef<?> back = (ActorRef<?>) fromBinary(withUtf8String(22, probePath));
    assertEquals(probePath, ActorRefResolver.get(kit.system()).toSerializationFormat(back));
  }

  /** Class tag, then a string as Kryo's UTF-8 form: length + 1 with the flag bit, then chars. */
  static byte[] withUtf8String(int tag, String s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    long v = s.length() + 1L;
    // readVarIntFlag: first byte = 0x80 (flag) | 0x40 (more) | low 6 bits
    int first = (int) (v & 0x3F) | 0x80;
    if (v >>> 6 != 0) first |= 0x40;
    out.write(first);
    if (v >>> 6 != 0) varint(out, v >>> 6);
    out.writeBytes(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  static Object fromBinary(byte[] f) {
    try {
      return kryo.fromBinary(f, "k1");
    } catch (NotSerializableException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }

  @Test
  void aLengthBeyondTheFrameIsRefusedWithoutAllocatingIt() {
    int[] max = {0xff, 0xff, 0xff, 0xff, 0x07}; // 2^31-1
    List<Class<?>> counted = new ArrayList<>();
    for (KryoRegistry.Entry e : KryoRegistry.TABLE) {
      Class<?> t = e.type();
      if (java.util.Collection.class.isAssignableFrom(t)
          || Map.class.isAssignableFrom(t)
          || t.isArray()) counted.add(t);
    }
    assertTrue(counted.size() > 30, "collections and arrays in the table: " + counted);
    for (Class<?> t : counted) {
      // arrays write length + 1: 2^31-1 is a length of 2^31-2
      String m = refused(frame(tag(t), max[0], max[1], max[2], max[3], max[4]));
      assertTrue(m.contains("elements"), t + ": " + m);
    }
    // a string of 2^31-2 UTF-8 characters
    String m = refused(frame(3, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f));
    assertTrue(m.contains("string of"), m);
    // a batch of 2^31-1 events
    m = refused(frame(tag(PartitionCommand.Batch.class), 1, 1, max[0], max[1], max[2], max[3], 7));
    assertTrue(m.contains("batch of"), m);
    // within the configured maximum, but more than the bytes left: 1000 elements in 10 bytes
    m = refused(frame(tag(ArrayList.class), 0xe8, 0x07, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1));
    assertTrue(m.contains("1000 elements in the 10 bytes left"), m);
  }

  @Test
  void nestingIsBounded() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int depth = 30_000; // the 60 KB list nested 30,000 deep
    for (int i = 0; i < depth; i++) {
      out.write(tag(ArrayList.class));
      out.write(1);
    }
    out.write(tag(ArrayList.class));
    out.write(0);
    String m = refused(out.toByteArray());
    assertTrue(m.contains("Max depth exceeded"), m);
  }

  /**
   * A list claiming as many elements as the frame has bytes, whose first element is the same list
   * one level down, and so on: allocating each claimed size up front would cost the frame's size at
   * every level (quadratic); growing with what is read costs a few times the frame.
   */
  @Test
  void aClaimedSizeAllocatesNothingByItself() {
    int levels = 60;
    int pad = 200_000;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < levels; i++) {
      out.write(tag(ArrayList.class));
      varint(out, pad);
    }
    for (int i = 0; i < pad; i++) out.write(0); // nulls, then the frame ends early
    byte[] f = out.toByteArray();
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = mx.getCurrentThreadAllocatedBytes();
    refused(f);
    long allocated = mx.getCurrentThreadAllocatedBytes() - before;
    assertTrue(
        allocated < 64L * f.length + (4 << 20),
        "decoding a frame of " + f.length + " bytes allocated " + allocated + " bytes");
  }

  @Test
  void classNamesTrailingBytesAndOversizedFramesAreRefused() {
    // tag 1 = a class name follows (Kryo would load the named class)
    assertTrue(refused(withUtf8String(1, "java.lang.Thread")).contains("class name"));
    byte[] hop = kryo.toBinary(new Hop(3));
    byte[] longer = java.util.Arrays.copyOf(hop, hop.length + 1);
    assertTrue(refused(longer).contains("1 bytes after the message"));
    assertTrue(refused(new byte[(16 << 20) + 1]).contains("max-message-size"));
    assertTrue(refused(new byte[0]).length() > 0);
    assertTrue(refused(frame(0)).contains("null"));
    assertTrue(refused(frame(7000)).length() > 0); // an unregistered id
  }

  /**
   * With a cluster token, a frame must carry the token's MAC: an unauthenticated frame, a frame
   * signed with another token and an altered frame are refused before Kryo reads them; a frame
   * signed with the token is still read without trust.
   */
  @Test
  void withATokenFramesMustCarryItsMac() throws Exception {
    String token = "hostile-frame-test-token-0123456789";
    Config c =
        ClusterConfig.node(
            ClusterConfig.Role.WORKER,
            "127.0.0.1",
            0,
            List.of(),
            new ClusterConfig.Security(token, null),
            null);
    ActorTestKit other = ActorTestKit.create("kernsim", c);
    try {
      KryoSerializer k =
          (KryoSerializer)
              SerializationExtension.get(Adapter.toClassic(other.system()))
                  .serializerByIdentity()
                  .get(KryoSerializer.IDENTIFIER)
                  .get();
      byte[] hop = kryo.toBinary(new Hop(3)); // no token: plain Kryo bytes
      assertEquals("k1a", k.manifest(new Hop(3)));
      assertEquals(new Hop(3), k.fromBinary(ClusterToken.sign(token, hop), "k1a"));
      String m =
          assertThrows(NotSerializableException.class, () -> k.fromBinary(hop, "k1")).getMessage();
      assertTrue(m.contains("not authenticated"), m);
      byte[] foreign = ClusterToken.sign("another-token-of-16-chars-or-more", hop);
      m =
          assertThrows(NotSerializableException.class, () -> k.fromBinary(foreign, "k1a"))
              .getMessage();
      assertTrue(m.contains("not authenticated"), m);
      byte[] altered = ClusterToken.sign(token, hop);
      altered[altered.length - 1] ^= 1;
      m =
          assertThrows(NotSerializableException.class, () -> k.fromBinary(altered, "k1a"))
              .getMessage();
      assertTrue(m.contains("not authenticated"), m);
      byte[] nullRef = ClusterToken.sign(token, frame(22, 0x80));
      m =
          assertThrows(NotSerializableException.class, () -> k.fromBinary(nullRef, "k1a"))
              .getMessage();
      assertTrue(m.contains("ActorRef: null"), m);
      // and a node without a token refuses authenticated frames
      m =
          assertThrows(
                  NotSerializableException.class,
                  () -> kryo.fromBinary(ClusterToken.sign(token, hop), "k1a"))
              .getMessage();
      assertTrue(m.contains("no cluster token"), m);
      assertTrue(k.refusedFrames() >= 4 && k.decodedFrames() >= 1);
    } finally {
      other.shutdownTestKit();
    }
  }

  /**
   * Every message class (its sample, with refs), then 40,000 mutations of them — bytes flipped,
   * inserted, deleted, lengths made huge, frames cut or glued: each decodes to a message or is
   * refused with a NotSerializableException. Any other exception or error fails the test with the
   * seed and the frame.
   */
  @Test
  void mutatedMessagesDecodeOrAreRefusedNothingElse() {
    List<byte[]> corpus = new ArrayList<>();
    for (Class<?> c : ProtocolClasses.wireMessages())
      corpus.add(kryo.toBinary(KryoRoundTripTest.sample(c, 0)));
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < 20; i++)
      events.add(new Event(i, 1, i, 2, new Hop(i), i % 3 == 0 ? "t" : null, i));
    corpus.add(kryo.toBinary(new PartitionCommand.Batch(4, 1, events)));
    Map<String, String> settings = new TreeMap<>();
    for (int i = 0; i < 20; i++) settings.put("k" + i, "v\u00e9" + i);
    corpus.add(
        kryo.toBinary(
            new NodeCommand.SetupRun("r1", "phold", settings, 7, true, 4, 0, 2, 0, 2, 2048, null)));
    long seed = Long.getLong("kernsim.test.seed", 9);
    Random r = new Random(seed);
    int decoded = 0;
    int refused = 0;
    for (int i = 0; i < 40_000; i++) {
      byte[] f = HostileFrames.mutate(corpus.get(r.nextInt(corpus.size())), corpus, r);
      try {
        kryo.fromBinary(f, "k1");
        decoded++;
      } catch (NotSerializableException e) {
        refused++;
      } catch (Throwable t) {
        fail(
            "seed "
                + seed
                + ", mutation "
                + i
                + ": "
                + t
                + " for frame "
                + java.util.HexFormat.of().formatHex(f, 0, Math.min(f.length, 200)));
      }
    }
    System.out.println(
        "mutated frames: " + decoded + " decoded, " + refused + " refused (seed " + seed + ")");
    assertTrue(refused > 20_000, "most mutations are refused: " + refused);
  }
}
