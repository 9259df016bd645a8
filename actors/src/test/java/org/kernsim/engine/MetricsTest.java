package org.kernsim.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/**
 * {@link Metrics} keeps a few values as an array and makes a histogram sized to them only when
 * asked; it must answer exactly as the fixed-size histogram it replaced (1 ns to {@link
 * Metrics#HIGHEST}, 3 digits, every value recorded directly), before and after {@link
 * Metrics#BUFFERED} values, merged, and through a snapshot.
 */
class MetricsTest {

  private static final double[] PERCENTILES = {0, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100};

  /** The reference: the fixed-size histogram every value went into, clamped as Metrics does. */
  private static Histogram reference(long[] values) {
    Histogram h = new Histogram(1, Metrics.HIGHEST, 3);
    for (long v : values) h.recordValue(v < 0 ? 0 : Math.min(v, Metrics.HIGHEST));
    return h;
  }

  private static long[] values(long seed, int n) {
    SplittableRandom r = new SplittableRandom(seed);
    long[] v = new long[n];
    for (int i = 0; i < n; i++) {
      int kind = r.nextInt(20);
      v[i] =
          kind == 0
              ? -r.nextLong(1, 1000) // negative: recorded as 0
              : kind == 1
                  ? Metrics.HIGHEST + r.nextLong(1, 1L << 50) // beyond the range: HIGHEST
                  : kind == 2 ? 0 : (long) Math.exp(r.nextDouble() * 25); // 1 ns .. ~72 ms
    }
    return v;
  }

  private static void assertSame(Histogram want, Histogram got, String what) {
    assertEquals(want.getTotalCount(), got.getTotalCount(), what + ": count");
    assertEquals(want.getMinValue(), got.getMinValue(), what + ": min");
    assertEquals(want.getMinNonZeroValue(), got.getMinNonZeroValue(), what + ": min non-zero");
    assertEquals(want.getMaxValue(), got.getMaxValue(), what + ": max");
    assertEquals(want.getMean(), got.getMean(), 0.0, what + ": mean");
    assertEquals(want.getStdDeviation(), got.getStdDeviation(), 0.0, what + ": stddev");
    for (double p : PERCENTILES)
      assertEquals(want.getValueAtPercentile(p), got.getValueAtPercentile(p), what + ": p" + p);
    for (long v = 1; v < Metrics.HIGHEST; v = v * 3 + 1)
      assertEquals(want.getCountBetweenValues(0, v), got.getCountBetweenValues(0, v), what);
  }

  @Test
  void fewOrManyValuesAnswerAsTheFixedSizeHistogram() {
    for (int n : new int[] {1, 2, 36, Metrics.BUFFERED - 1, Metrics.BUFFERED, 5_000}) {
      long[] v = values(n, n);
      Metrics m = new Metrics();
      for (long x : v) m.record("lat", x);
      assertSame(reference(v), m.histogram("lat"), n + " values");
      // asked once, it goes on recording: still the same as the reference
      long[] more = values(n + 1, 50);
      for (long x : more) m.record("lat", x);
      long[] all = new long[v.length + more.length];
      System.arraycopy(v, 0, all, 0, v.length);
      System.arraycopy(more, 0, all, v.length, more.length);
      assertSame(reference(all), m.histograms().get("lat"), n + " values and 50 more");
    }
    assertNull(new Metrics().histogram("none"));
  }

  @Test
  void mergedMetricsAnswerAsOneHistogramOfEveryValue() {
    long[] a = values(1, 40); // stays an array
    long[] b = values(2, 3_000); // becomes the fixed-size histogram
    long[] c = values(3, 7); // made a histogram by being asked for
    Metrics ma = new Metrics();
    Metrics mb = new Metrics();
    Metrics mc = new Metrics();
    for (long x : a) ma.record("lat", x);
    for (long x : b) mb.record("lat", x);
    for (long x : c) mc.record("lat", x);
    mc.histogram("lat");
    ma.count("kicks", 2);
    mb.count("kicks", 3);
    Metrics merged = new Metrics();
    merged.merge(ma);
    merged.merge(mb);
    merged.merge(mc);
    long[] all = new long[a.length + b.length + c.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    System.arraycopy(c, 0, all, a.length + b.length, c.length);
    assertSame(reference(all), merged.histogram("lat"), "merged");
    assertEquals(Map.of("kicks", 5L), merged.counters());
    // merging read nothing but the sources: they answer as before
    assertSame(reference(a), ma.histogram("lat"), "a source after the merge");
  }

  /**
   * A run's report reads percentiles and maxima from the kept values, and an exploration adds a
   * run's histograms to its merged ones from the values, neither making the run's histogram: both
   * must answer exactly as the histogram of those values (HdrHistogram's own answers).
   */
  @Test
  void valuesAnswerAsTheHistogramWithoutMakingIt() {
    for (int n : new int[] {1, 2, 3, 36, 101, Metrics.BUFFERED, 3_000}) {
      for (long seed = 1; seed <= 20; seed++) {
        long[] v = values(seed * 10_000 + n, n);
        Histogram ref = reference(v);
        Metrics m = new Metrics();
        for (long x : v) m.record("lat", x);
        Histogram folded = new Histogram(3);
        ((Metrics.Histograms) m.histograms()).addTo("lat", folded);
        String what = n + " values, seed " + seed;
        for (double p : PERCENTILES)
          assertEquals(ref.getValueAtPercentile(p), m.valueAtPercentile("lat", p), what + " p" + p);
        for (double p = 0.05; p < 100; p += 0.73)
          assertEquals(ref.getValueAtPercentile(p), m.valueAtPercentile("lat", p), what + " p" + p);
        assertEquals(ref.getMaxValue(), m.maxValue("lat"), what + ": max");
        Histogram added = new Histogram(3);
        added.add(m.histogram("lat"));
        assertSame(added, folded, what + ": folded from the values");
        assertSame(ref, folded, what + ": folded, against the reference");
      }
    }
    assertNull(new Metrics().valueAtPercentile("none", 50));
    assertNull(new Metrics().maxValue("none"));
  }

  /** A snapshot holds the same bytes whatever form the values had (a snapshot's bytes are kept). */
  @Test
  void snapshotsEncodeTheFixedSizeHistogram() {
    for (int n : new int[] {3, 2_000}) {
      long[] v = values(10 + n, n);
      Metrics m = new Metrics();
      for (long x : v) m.record("lat", x);
      m.count("kicks", 7);
      Histogram ref = reference(v);
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(ref.getNeededByteBufferCapacity());
      ref.encodeIntoByteBuffer(b);
      byte[] want = java.util.Arrays.copyOf(b.array(), b.position());
      assertArrayEquals(want, m.snapshot().histograms().get("lat"), n + " values");
      Metrics back = Metrics.fromSnapshot(m.snapshot());
      assertSame(ref, back.histogram("lat"), n + " values through a snapshot");
      assertEquals(7, back.counter("kicks"));
    }
  }
}
