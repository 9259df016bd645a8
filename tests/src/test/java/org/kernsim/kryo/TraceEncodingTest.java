package org.kernsim.kryo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.RecordCodec;

/**
 * The trace hash's encoder (per-class encoders over lambda accessors, no boxing) writes exactly the
 * bytes of the plain reference encoding ({@code instanceof} and boxed accessors) for a sample of
 * every record class of the protocol module, and for values at the edges of each kind. If the two
 * ever differed, every {@code traceSha256} would silently change.
 */
class TraceEncodingTest {

  private static byte[] fast(Object v) {
    RecordCodec.Bytes b = new RecordCodec.Bytes();
    RecordCodec.encode(v, b);
    return Arrays.copyOf(b.array(), b.length());
  }

  private static byte[] reference(Object v) {
    RecordCodec.Bytes b = new RecordCodec.Bytes();
    RecordCodec.encodeReflectively(v, b);
    return Arrays.copyOf(b.array(), b.length());
  }

  @Test
  void everyProtocolRecordEncodesAsTheReferenceDoes() {
    int compared = 0;
    for (Class<?> c : ProtocolClasses.all()) {
      if (!c.isRecord() && !c.isEnum()) continue;
      Object sample = c.isEnum() ? c.getEnumConstants()[0] : KryoRoundTripTest.sample(c, 0);
      byte[] want;
      try {
        want = reference(sample);
      } catch (IllegalArgumentException notEncodable) { // carries an ActorRef, say
        assertThrows(IllegalArgumentException.class, () -> fast(sample), c.getName());
        continue;
      }
      assertArrayEquals(want, fast(sample), c.getName());
      compared++;
    }
    assertTrue(compared > 80, "compared only " + compared + " protocol classes");
  }

  /**
   * Encoders are found through a direct-mapped cache by class identity: encoding every protocol
   * record again and again, interleaved (so that classes sharing a cache slot evict each other, and
   * later passes read cached encoders), still writes the reference bytes for each.
   */
  @Test
  void encodersFoundThroughTheCacheWriteTheReferenceBytes() {
    List<Object> samples = new java.util.ArrayList<>();
    for (Class<?> c : ProtocolClasses.all()) {
      if (!c.isRecord() && !c.isEnum()) continue;
      Object sample = c.isEnum() ? c.getEnumConstants()[0] : KryoRoundTripTest.sample(c, 0);
      try {
        reference(sample);
      } catch (IllegalArgumentException notEncodable) {
        continue;
      }
      samples.add(sample);
    }
    assertTrue(samples.size() > 80, "only " + samples.size() + " samples");
    for (int pass = 0; pass < 3; pass++) {
      for (int i = 0; i < samples.size(); i++) {
        Object v = samples.get(pass == 1 ? samples.size() - 1 - i : i);
        assertArrayEquals(reference(v), fast(v), pass + " " + v.getClass().getName());
      }
    }
  }

  enum Phase {
    A,
    B {
      @Override
      public String toString() {
        return "b"; // a constant with a body: an anonymous subclass of the enum
      }
    }
  }

  private record Prims(
      int i, long l, boolean z, byte b, short s, char c, float f, double d, String text) {}

  private record Nested(Prims p, List<Object> items, int[] ints, long[] longs, Phase phase) {}

  @Test
  void edgeValuesOfEveryKindEncodeAsTheReferenceDoes() {
    List<Object> values =
        List.of(
            new Prims(-1, Long.MIN_VALUE, true, (byte) -3, (short) -7, 'é', -0.0f, Double.NaN, ""),
            new Prims(0, 0, false, (byte) 0, (short) 0, '\0', Float.NaN, -0.0, "kworker/u:3"),
            new Prims(1, 2, true, (byte) 1, (short) 1, 'x', 1.5f, 1e300, "naïve ümlaut ✓ 𝄞"),
            new Nested(
                new Prims(1, 2, true, (byte) 1, (short) 1, 'x', 1.5f, 2.5, "x"),
                Arrays.asList(1, 2L, true, "s", Phase.B, 0.5, 0.5f, (short) 4, (byte) 5, 'c', null),
                new int[] {1, -1},
                new long[] {Long.MAX_VALUE},
                Phase.B),
            new Nested(null, List.of(), new int[0], new long[0], Phase.A),
            Phase.A,
            Phase.B,
            "plain",
            "ünïcode",
            42,
            7L);
    for (Object v : values) assertArrayEquals(reference(v), fast(v), String.valueOf(v));
  }
}
