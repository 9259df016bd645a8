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
 * <p>A histogram's values are first kept as they are (up to {@link #BUFFERED} of them): most runs
 * of an exploration record a few dozen, and a histogram of the full range costs about 280 KB to
 * allocate and to merge. Asked for ({@link #histogram}, {@link #histograms}), the values go into an
 * HdrHistogram sized to the largest of them (1 ns and 3 significant digits, auto-resizing: the same
 * buckets, so the same counts, percentiles, minimum, maximum and mean as one of the full range).
 * Beyond {@link #BUFFERED} values a histogram has the fixed size (1 ns to {@link #HIGHEST} ns:
 * about 280 KB, allocated once per partition) and never resizes. A value above the range is
 * recorded as {@link #HIGHEST}, a negative one as 0. Snapshots encode every histogram at the fixed
 * size (the same bytes whichever form it had). Counters and histograms are found by name in hash
 * maps and reported in name order.
 */
public final class Metrics {

  /** The largest value a histogram holds: 2^43 ns, about 2.4 hours of virtual time. */
  public static final long HIGHEST = 1L << 43;

  private final Map<String, long[]> counters = new HashMap<>();

  /** Values kept before a histogram is made: below this, a run's values are only an array. */
  public static final int BUFFERED = 1024;

  private final Map<String, Values> histograms = new HashMap<>();
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
    Values h = histograms.get(name);
    if (h == null) histograms.put(name, h = new Values());
    h.record(value < 0 ? 0 : Math.min(value, HIGHEST));
  }

  /**
   * One histogram: its values as recorded (while {@code histogram} is null and there are at most
   * {@link #BUFFERED}), or the histogram holding all of them.
   */
  private static final class Values {
    private long[] values = new long[8];
    private int n;
    private Histogram histogram;

    void record(long v) {
      if (histogram != null) {
        histogram.recordValue(v);
        return;
      }
      if (n == values.length) {
        if (n >= BUFFERED) {
          histogram = newHistogram();
          flush();
          histogram.recordValue(v);
          return;
        }
        values = java.util.Arrays.copyOf(values, n * 2);
      }
      values[n++] = v;
    }

    private void flush() {
      for (int i = 0; i < n; i++) histogram.recordValue(values[i]);
      values = null;
      n = 0;
    }

    /** The histogram of every value so far (made from the kept values when first asked). */
    Histogram histogram() {
      if (histogram == null) {
        long max = 2;
        for (int i = 0; i < n; i++) max = Math.max(max, values[i]);
        histogram = new Histogram(1, max, 3);
        histogram.setAutoResize(true);
        flush();
      }
      return histogram;
    }

    void addTo(Values target) {
      if (histogram == null) for (int i = 0; i < n; i++) target.record(values[i]);
      else target.add(histogram);
    }

    /** Adds every value to {@code target} (as {@code target.add(histogram())} would). */
    void addTo(Histogram target) {
      if (histogram == null) for (int i = 0; i < n; i++) target.recordValue(values[i]);
      else target.add(histogram);
    }

    /**
     * HdrHistogram's {@code getValueAtPercentile}, from the kept values when no histogram is made:
     * the bucket of the k-th smallest value, k = max(1, ceil(p' * n / 100)) with p' one ulp below
     * {@code percentile} (buckets are ordered as their values are).
     */
    long valueAtPercentile(double percentile) {
      if (histogram != null || n == 0) return histogram().getValueAtPercentile(percentile);
      double p =
          Math.min(Math.max(Math.nextAfter(percentile, Double.NEGATIVE_INFINITY), 0.0), 100.0);
      long k = Math.max(1, (long) Math.ceil(p * n / 100.0));
      long[] sorted = java.util.Arrays.copyOf(values, n);
      java.util.Arrays.sort(sorted);
      long v = sorted[(int) Math.min(n, k) - 1];
      return percentile == 0.0
          ? BUCKETS.lowestEquivalentValue(v)
          : BUCKETS.highestEquivalentValue(v);
    }

    /** HdrHistogram's {@code getMaxValue}, from the kept values when no histogram is made. */
    long maxValue() {
      if (histogram != null || n == 0) return histogram().getMaxValue();
      long max = 0;
      for (int i = 0; i < n; i++) max = Math.max(max, values[i]);
      return max == 0 ? 0 : BUCKETS.highestEquivalentValue(max);
    }

    void add(Histogram other) {
      if (histogram == null) {
        long max = Math.max(2, other.getMaxValue());
        for (int i = 0; i < n; i++) max = Math.max(max, values[i]);
        histogram = new Histogram(1, max, 3);
        histogram.setAutoResize(true);
        flush();
      }
      histogram.add(other);
    }
  }

  static Histogram newHistogram() {
    return new Histogram(1, HIGHEST, 3);
  }

  /**
   * Only its bucket arithmetic is used (equivalent values: the same for every histogram of 1 ns and
   * 3 digits, whatever its range), never its counts.
   */
  private static final Histogram BUCKETS = new Histogram(1, 2, 3);

  public long counter(String name) {
    long[] c = counters.get(name);
    return c == null ? 0 : c[0];
  }

  public Histogram histogram(String name) {
    Values v = histograms.get(name);
    return v == null ? null : v.histogram();
  }

  /**
   * {@code histogram(name).getValueAtPercentile(percentile)} (null: nothing recorded), without
   * making the histogram while its values are kept as values: a run's report asks for a few
   * percentiles of a few dozen values, and a histogram of their range is some 100 KB to allocate.
   */
  public Long valueAtPercentile(String name, double percentile) {
    Values v = histograms.get(name);
    return v == null ? null : v.valueAtPercentile(percentile);
  }

  /**
   * {@code histogram(name).getMaxValue()} (null: nothing recorded), as {@link #valueAtPercentile}.
   */
  public Long maxValue(String name) {
    Values v = histograms.get(name);
    return v == null ? null : v.maxValue();
  }

  /**
   * Sets the counters back to {@code saved} (what {@link #counters()} gave): a speculative round
   * undone (ADR 108). Histograms are not touched.
   */
  public void restoreCounters(Map<String, Long> saved) {
    counters.clear();
    saved.forEach((k, v) -> counters.put(k, new long[] {v}));
  }

  public Map<String, Long> counters() {
    Map<String, Long> out = new TreeMap<>();
    counters.forEach((k, v) -> out.put(k, v[0]));
    return out;
  }

  /**
   * The histograms by name, in name order: a read-only {@link Histograms} that makes each histogram
   * when it is first read (and the values go on being recorded only before that).
   */
  public Map<String, Histogram> histograms() {
    return new Histograms(new TreeMap<>(histograms));
  }

  /**
   * A run's histograms by name, each made from its values when first read; {@link #addTo} adds one
   * to another histogram without making it (an exploration folds a few dozen values per schedule
   * into its merged histograms: the same counts, minimum, maximum and mean as adding the
   * histogram).
   */
  public static final class Histograms extends java.util.AbstractMap<String, Histogram> {
    private final TreeMap<String, Values> values;
    private Map<String, Histogram> made;

    private Histograms(TreeMap<String, Values> values) {
      this.values = values;
    }

    /** Adds histogram {@code name}'s values to {@code target} (nothing if there is none). */
    public void addTo(String name, Histogram target) {
      Values v = values.get(name);
      if (v != null) v.addTo(target);
    }

    /** The names, in order. */
    public java.util.Set<String> names() {
      return java.util.Collections.unmodifiableSet(values.keySet());
    }

    @Override
    public Histogram get(Object name) {
      Values v = values.get(name);
      return v == null ? null : v.histogram();
    }

    @Override
    public boolean containsKey(Object name) {
      return values.containsKey(name);
    }

    @Override
    public int size() {
      return values.size();
    }

    @Override
    public java.util.Set<Map.Entry<String, Histogram>> entrySet() {
      if (made == null) {
        Map<String, Histogram> m = new TreeMap<>();
        values.forEach((k, v) -> m.put(k, v.histogram()));
        made = java.util.Collections.unmodifiableMap(m);
      }
      return made.entrySet();
    }
  }

  public boolean isEmpty() {
    return counters.isEmpty() && histograms.isEmpty();
  }

  public void merge(Metrics other) {
    other.counters.forEach((k, v) -> count(k, v[0]));
    other.histograms.forEach((k, v) -> v.addTo(histograms.computeIfAbsent(k, x -> new Values())));
  }

  private void merge(String name, Histogram h) {
    histograms.computeIfAbsent(name, x -> new Values()).add(h);
  }

  /**
   * A compact, serializable snapshot: counters, and histograms in HdrHistogram's encoding (runs of
   * empty buckets take a few bytes; no deflate).
   */
  public MetricsSnapshot snapshot() {
    Map<String, Long> c = counters();
    Map<String, byte[]> h = new TreeMap<>();
    histograms.forEach(
        (k, values) -> {
          Histogram v = newHistogram(); // the fixed size, whatever form the values have here
          v.add(values.histogram());
          java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(v.getNeededByteBufferCapacity());
          v.encodeIntoByteBuffer(b);
          h.put(k, java.util.Arrays.copyOf(b.array(), b.position()));
        });
    return new MetricsSnapshot(c, h);
  }

  /**
   * The metrics a snapshot holds. A histogram of at most {@link #BUFFERED} values comes back as
   * values again (each bucket's values as one value of that bucket: the same counts, so the same
   * answers), so that the runs resumed from the snapshot merge it cheaply.
   */
  public static Metrics fromSnapshot(MetricsSnapshot s) {
    Metrics m = new Metrics();
    s.counters().forEach(m::count);
    s.histograms()
        .forEach(
            (k, v) -> {
              Histogram h = Histogram.decodeFromByteBuffer(java.nio.ByteBuffer.wrap(v), 0);
              if (h.getTotalCount() > BUFFERED) {
                m.merge(k, h);
                return;
              }
              Values values = m.histograms.computeIfAbsent(k, x -> new Values());
              for (org.HdrHistogram.HistogramIterationValue x : h.recordedValues())
                for (long c = 0; c < x.getCountAtValueIteratedTo(); c++)
                  values.record(x.getValueIteratedTo());
            });
    return m;
  }
}
