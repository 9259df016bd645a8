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
      return;
    }
    int i = (int) (b & (RING - 1));
    Bucket k = ring[i];
    if (k == null) k = ring[i] = new Bucket();
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

  /** The earliest pending event's time ({@code Long.MAX_VALUE}: none). */
  public long minTime() {
    if (inRing == 0) return overflow.minTime();
    for (long b = lo; b < lo + RING; b++) {
      Bucket k = ring[(int) (b & (RING - 1))];
      if (k != null && k.size > 0) return Math.min(k.min, overflow.minTime());
    }
    throw new IllegalStateException("ring count out of step");
  }

  /**
   * Hands every event due before {@code end} to {@code sink} (in no particular order), for the
   * window that starts at {@code start} (no event is pending before it).
   */
  public void drainWindow(long start, long end, Consumer<Event> sink) {
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
    }
    // the rest of a long window (longer than the ring: only with a tiny lookahead) is in the heap
    while (overflow.minTime() < end) sink.accept(overflow.poll());
    advanceTo(bucketOf(end));
  }

  /** Moves the ring's start to bucket {@code b} (nothing is pending before it) and refills it. */
  private void advanceTo(long b) {
    if (b <= lo) return;
    if (inRing == 0) {
      lo = b;
    } else {
      long stop = Math.min(b, lo + RING);
      for (long x = lo; x < stop; x++) {
        Bucket k = ring[(int) (x & (RING - 1))];
        if (k != null && k.size > 0)
          throw new IllegalStateException("events left behind the window at bucket " + x);
      }
      lo = b;
    }
    while (!overflow.isEmpty() && bucketOf(overflow.minTime()) < lo + RING) {
      Event e = overflow.poll();
      long eb = bucketOf(e.time());
      if (eb < lo) throw new IllegalStateException("event at " + e.time() + " behind the window");
      Bucket k = ring[(int) (eb & (RING - 1))];
      if (k == null) k = ring[(int) (eb & (RING - 1))] = new Bucket();
      k.add(e);
      inRing++;
    }
  }
}
