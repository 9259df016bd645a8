package org.kernsim.engine;

import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;
import org.kernsim.protocol.engine.MetricsSnapshot;

/**
 * Counters and latency histograms of one entity, merged over all entities at the end of a run. Both
 * are sums, so the merged result does not depend on how entities were spread over threads or nodes.
 */
public final class Metrics {
  private final Map<String, long[]> counters = new java.util.HashMap<>(); // sorted on the way out
  private final Map<String, Histogram> histograms = new TreeMap<>();

  public void count(String name, long delta) {
    counters.computeIfAbsent(name, k -> new long[1])[0] += delta;
  }

  public void record(String name, long value) {
    histograms.computeIfAbsent(name, k -> new Histogram(3)).recordValue(Math.max(0, value));
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

  public Map<String, Histogram> histograms() {
    return histograms;
  }

  public boolean isEmpty() {
    return counters.isEmpty() && histograms.isEmpty();
  }

  public void merge(Metrics other) {
    other.counters.forEach((k, v) -> count(k, v[0]));
    other.histograms.forEach((k, v) -> histograms.computeIfAbsent(k, x -> new Histogram(3)).add(v));
  }

  /** A compact, serializable snapshot: counters, and histograms as encoded bytes. */
  public MetricsSnapshot snapshot() {
    Map<String, Long> c = counters();
    Map<String, byte[]> h = new TreeMap<>();
    histograms.forEach(
        (k, v) -> {
          java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(v.getNeededByteBufferCapacity());
          v.encodeIntoCompressedByteBuffer(b);
          h.put(k, java.util.Arrays.copyOf(b.array(), b.position()));
        });
    return new MetricsSnapshot(c, h);
  }

  public static Metrics fromSnapshot(MetricsSnapshot s) {
    Metrics m = new Metrics();
    s.counters().forEach(m::count);
    s.histograms()
        .forEach(
            (k, v) -> {
              try {
                m.histograms.put(
                    k, Histogram.decodeFromCompressedByteBuffer(java.nio.ByteBuffer.wrap(v), 0));
              } catch (java.util.zip.DataFormatException e) {
                throw new IllegalStateException("corrupt histogram " + k, e);
              }
            });
    return m;
  }
}
