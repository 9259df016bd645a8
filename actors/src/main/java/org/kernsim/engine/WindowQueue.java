package org.kernsim.engine;

import java.util.Arrays;
import java.util.function.Consumer;
import org.kernsim.protocol.engine.Event;

/**
 * A partition's pending events, organised for conservative windows: a window takes every event due
 * before its end, and only each entity's own events need ordering (the partition sorts them per
 * entity), so no total order of the pending set is kept. Events fall into buckets one lookahead
 * wide: a ring of buckets covers the near future, a heap holds the rest (long timers) and refills
 * the ring as windows advance. Adding is O(1); taking a window's events is linear in them.
 */
public final class WindowQueue {
  private static final int RING = 4096; // buckets in the ring (a power of two)

  private final long width;
  private final Bucket[] ring = new Bucket[RING];
  private final EventHeap overflow = new EventHeap(64);
  private long lo; // the ring covers buckets [lo, lo + RING)
  private int inRing;
  private final long[] occupied = new long[RING / 64]; // a bit per non-empty bucket
  private long cachedMin = Long.MAX_VALUE; // valid while minValid
  private boolean minValid = true;

  private static final class Bucket {
    Event[] events = new Event[8];
    int size;
    long min = Long.MAX_VALUE;

    void add(Event e) {
      if (size == events.length) events = Arrays.copyOf(events, size * 2);
      events[size++] = e;
      if (e.time() < min) min = e.time();
    }
  }

  /**
   * @param width the bucket width: the lookahead (a window spans at most two buckets)
   */
  public WindowQueue(long width) {
    this.width = Math.max(1, width);
  }

  public int size() {
    return inRing + overflow.size();
  }

  public boolean isEmpty() {
    return size() == 0;
  }

  private long bucketOf(long time) {
    return time / width;
  }

  public void add(Event e) {
    long b = bucketOf(e.time());
    if (b < lo)
      throw new IllegalStateException(
          "event at " + e.time() + " before the queue's horizon " + lo * width);
    if (b >= lo + RING) {
      overflow.add(e);
      if (minValid && e.time() < cachedMin) cachedMin = e.time();
      return;
    }
    put(b, e);
    if (minValid && e.time() < cachedMin) cachedMin = e.time();
  }

  private void put(long b, Event e) {
    int i = (int) (b & (RING - 1));
    Bucket k = ring[i];
    if (k == null) k = ring[i] = new Bucket();
    if (k.size == 0) occupied[i >>> 6] |= 1L << i;
    k.add(e);
    inRing++;
  }

  /** Every pending event, in no particular order (for a snapshot; nothing is removed). */
  public void forEach(Consumer<Event> sink) {
    for (Bucket k : ring) {
      if (k == null) continue;
      for (int i = 0; i < k.size; i++) sink.accept(k.events[i]);
    }
    for (Event e : overflow.sorted()) sink.accept(e);
  }

  /** Every pending event, in canonical global order {@code (time, dst, src, seq)}. */
  public java.util.List<Event> sorted() {
    java.util.List<Event> out = new java.util.ArrayList<>(size());
    for (Bucket k : ring) if (k != null) for (int i = 0; i < k.size; i++) out.add(k.events[i]);
    out.addAll(overflow.sorted());
    out.sort(Event::compareGlobal);
    return out;
  }

  /** Whether any bucket in {@code [from, to)} (at most the ring's length) holds events. */
  private boolean occupiedBetween(long from, long to) {
    for (long x = from; x < to; ) {
      int i = (int) (x & (RING - 1));
      int bit = i & 63;
      int span = (int) Math.min(64 - bit, to - x);
      long mask = span == 64 ? -1L : ((1L << span) - 1) << bit;
      if ((occupied[i >>> 6] & mask) != 0) return true;
      x += span;
    }
    return false;
  }

  /** The earliest pending event's time ({@code Long.MAX_VALUE}: none). */
  public long minTime() {
    if (!minValid) {
      cachedMin = computeMin();
      minValid = true;
    }
    return cachedMin;
  }

  private long computeMin() {
    if (inRing == 0) return overflow.minTime();
    // the first non-empty bucket at or after lo, going round the ring once
    int start = (int) (lo & (RING - 1));
    for (int step = 0; step <= RING / 64; step++) {
      int word = ((start >>> 6) + step) & (RING / 64 - 1);
      long bits = occupied[word];
      if (step == 0) bits &= -1L << (start & 63); // buckets before lo in the first word come last
      else if (step == RING / 64) bits &= ~(-1L << (start & 63));
      if (bits != 0) {
        Bucket k = ring[(word << 6) + Long.numberOfTrailingZeros(bits)];
        return Math.min(k.min, overflow.minTime());
      }
    }
    throw new IllegalStateException("ring count out of step");
  }

  /**
   * Hands every event due before {@code end} to {@code sink} (in no particular order), for the
   * window that starts at {@code start} (no event is pending before it).
   */
  public void drainWindow(long start, long end, Consumer<Event> sink) {
    minValid = false;
    advanceTo(bucketOf(start));
    long last = bucketOf(end - 1);
    for (long b = lo; b <= last && b < lo + RING; b++) {
      Bucket k = ring[(int) (b & (RING - 1))];
      if (k == null || k.size == 0 || k.min >= end) continue;
      int kept = 0;
      long min = Long.MAX_VALUE;
      for (int i = 0; i < k.size; i++) {
        Event e = k.events[i];
        if (e.time() < end) {
          sink.accept(e);
          inRing--;
        } else {
          k.events[kept++] = e;
          if (e.time() < min) min = e.time();
        }
      }
      Arrays.fill(k.events, kept, k.size, null);
      k.size = kept;
      k.min = min;
      if (kept == 0) {
        int i = (int) (b & (RING - 1));
        occupied[i >>> 6] &= ~(1L << i);
      }
    }
    // the rest of a long window (longer than the ring: only with a tiny lookahead) is in the heap
    while (overflow.minTime() < end) sink.accept(overflow.poll());
    advanceTo(bucketOf(end));
  }

  /** Moves the ring's start to bucket {@code b} (nothing is pending before it) and refills it. */
  private void advanceTo(long b) {
    if (b <= lo) return;
    if (inRing > 0 && occupiedBetween(lo, Math.min(b, lo + RING)))
      throw new IllegalStateException("events left behind the window before bucket " + b);
    lo = b;
    while (!overflow.isEmpty() && bucketOf(overflow.minTime()) < lo + RING) {
      Event e = overflow.poll();
      long eb = bucketOf(e.time());
      if (eb < lo) throw new IllegalStateException("event at " + e.time() + " behind the window");
      put(eb, e);
    }
  }
}
