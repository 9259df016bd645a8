package org.kernsim.engine;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;
import org.kernsim.protocol.engine.MetricsSnapshot;

/**
 * Counters and latency histograms, shared by the entities of one partition and merged once per run.
 * Both are sums, so the merged result does not depend on how entities were spread over partitions,
 * threads or nodes.
 *
 * <p>Histograms have a fixed size (1 ns to {@link #HIGHEST} ns, 3 significant digits: about 280 KB
 * each, allocated when a partition first records the metric), never resize, and give exactly the
 * values of an auto-resizing HdrHistogram of the same precision; a value above the range is
 * recorded as {@link #HIGHEST}. Counters and histograms are found by name in hash maps and reported
 * in name order.
 */
public final class Metrics {

  /** The largest value a histogram holds: 2^43 ns, about 2.4 hours of virtual time. */
  public static final long HIGHEST = 1L << 43;

  private final Map<String, long[]> counters = new HashMap<>();
  private final Map<String, Histogram> histograms = new HashMap<>();
  private Map<String, long[]> buffered; // a buffered entity's values: name -> [count, values...]

  /**
   * Metrics of one entity actor whose histogram values are only buffered, for its partition to
   * record ({@link #drainRecordedInto}): the histograms live once per partition, however many
   * entities record into them.
   */
  public static Metrics buffered() {
    Metrics m = new Metrics();
    m.buffered = new HashMap<>();
    return m;
  }

  /** Whether values were recorded since the last {@link #drainRecordedInto}. */
  public boolean hasRecorded() {
    return buffered != null && !buffered.isEmpty();
  }

  /** Records the buffered values into {@code target} and forgets them. */
  public void drainRecordedInto(Metrics target) {
    if (buffered == null || buffered.isEmpty()) return;
    buffered.forEach(
        (name, b) -> {
          int n = (int) b[0];
          for (int i = 1; i <= n; i++) target.record(name, b[i]);
        });
    buffered.clear();
  }

  public void count(String name, long delta) {
    long[] c = counters.get(name);
    if (c == null) counters.put(name, c = new long[1]);
    c[0] += delta;
  }

  public void record(String name, long value) {
    if (buffered != null) {
      long[] b = buffered.get(name);
      if (b == null) buffered.put(name, b = new long[5]);
      int n = (int) b[0] + 1;
      if (n == b.length) buffered.put(name, b = java.util.Arrays.copyOf(b, b.length * 2));
      b[n] = value;
      b[0] = n;
      return;
    }
    Histogram h = histograms.get(name);
    if (h == null) histograms.put(name, h = newHistogram());
    h.recordValue(value < 0 ? 0 : Math.min(value, HIGHEST));
  }

  static Histogram newHistogram() {
    return new Histogram(1, HIGHEST, 3);
  }

  public long counter(String name) {
    long[] c = counters.get(name);
    return c == null ? 0 : c[0];
  }

  public Histogram histogram(String name) {
    return histograms.get(name);
  }

  public Map<String, Long> counters() {
    Map<String, Long> out = new TreeMap<>();
    counters.forEach((k, v) -> out.put(k, v[0]));
    return out;
  }

  /** The histograms by name, in name order. */
  public Map<String, Histogram> histograms() {
    return new TreeMap<>(histograms);
  }

  public boolean isEmpty() {
    return counters.isEmpty() && histograms.isEmpty();
  }

  public void merge(Metrics other) {
    other.counters.forEach((k, v) -> count(k, v[0]));
    other.histograms.forEach(this::merge);
  }

  private void merge(String name, Histogram h) {
    Histogram mine = histograms.get(name);
    if (mine == null) histograms.put(name, mine = newHistogram());
    mine.add(h);
  }

  /**
   * A compact, serializable snapshot: counters, and histograms in HdrHistogram's encoding (runs of
   * empty buckets take a few bytes; no deflate).
   */
  public MetricsSnapshot snapshot() {
    Map<String, Long> c = counters();
    Map<String, byte[]> h = new TreeMap<>();
    histograms.forEach(
        (k, v) -> {
          java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(v.getNeededByteBufferCapacity());
          v.encodeIntoByteBuffer(b);
          h.put(k, java.util.Arrays.copyOf(b.array(), b.position()));
        });
    return new MetricsSnapshot(c, h);
  }

  public static Metrics fromSnapshot(MetricsSnapshot s) {
    Metrics m = new Metrics();
    s.counters().forEach(m::count);
    s.histograms()
        .forEach(
            (k, v) -> m.merge(k, Histogram.decodeFromByteBuffer(java.nio.ByteBuffer.wrap(v), 0)));
    return m;
  }
}
