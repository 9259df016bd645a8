package org.kernsim.engine;

import java.util.Arrays;
import org.kernsim.protocol.engine.Event;

/**
 * A binary min-heap of events in canonical global order {@code (time, dst, src, seq)}, with the
 * keys held in parallel primitive arrays: comparisons read arrays, not event objects, which keeps
 * the heap's hot loop in cache. It replaces {@code PriorityQueue<Event>} on the engine's hot path.
 */
public final class EventHeap {
  private long[] time;
  private int[] dst;
  private int[] src;
  private long[] seq;
  private Event[] events;
  private int size;

  public EventHeap(int capacity) {
    int c = Math.max(16, capacity);
    time = new long[c];
    dst = new int[c];
    src = new int[c];
    seq = new long[c];
    events = new Event[c];
  }

  public int size() {
    return size;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  /** The pending events in canonical global order (the heap is left as it is). */
  public java.util.List<Event> sorted() {
    Event[] a = Arrays.copyOf(events, size);
    Arrays.sort(a, Event::compareGlobal);
    return Arrays.asList(a);
  }

  /** The earliest event's time; {@code Long.MAX_VALUE} if empty. */
  public long minTime() {
    return size == 0 ? Long.MAX_VALUE : time[0];
  }

  public Event peek() {
    return size == 0 ? null : events[0];
  }

  public void add(Event e) {
    add(e, e.src());
  }

  /**
   * Adds {@code e} ordered among same-time events at its destination by {@code srcKey} instead of
   * its source id (a forked schedule's order of sources).
   */
  public void add(Event e, int srcKey) {
    if (size == events.length) grow();
    int i = size++;
    long t = e.time();
    int d = e.dst();
    int s = srcKey;
    long q = e.seq();
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (!less(t, d, s, q, parent)) break;
      move(parent, i);
      i = parent;
    }
    time[i] = t;
    dst[i] = d;
    src[i] = s;
    seq[i] = q;
    events[i] = e;
  }

  public Event poll() {
    if (size == 0) return null;
    Event top = events[0];
    int last = --size;
    if (last > 0) {
      long t = time[last];
      int d = dst[last];
      int s = src[last];
      long q = seq[last];
      Event e = events[last];
      int i = 0;
      int half = last >>> 1;
      while (i < half) {
        int child = 2 * i + 1;
        int right = child + 1;
        if (right < last && lessAt(right, child)) child = right;
        if (!lessAt(child, t, d, s, q)) break;
        move(child, i);
        i = child;
      }
      time[i] = t;
      dst[i] = d;
      src[i] = s;
      seq[i] = q;
      events[i] = e;
    }
    events[last] = null;
    return top;
  }

  private boolean less(long t, int d, int s, long q, int j) {
    if (t != time[j]) return t < time[j];
    if (d != dst[j]) return d < dst[j];
    if (s != src[j]) return s < src[j];
    return q < seq[j];
  }

  private boolean lessAt(int i, int j) {
    return less(time[i], dst[i], src[i], seq[i], j);
  }

  /** Whether the element at {@code i} sorts before the key {@code (t, d, s, q)}. */
  private boolean lessAt(int i, long t, int d, int s, long q) {
    if (time[i] != t) return time[i] < t;
    if (dst[i] != d) return dst[i] < d;
    if (src[i] != s) return src[i] < s;
    return seq[i] < q;
  }

  private void move(int from, int to) {
    time[to] = time[from];
    dst[to] = dst[from];
    src[to] = src[from];
    seq[to] = seq[from];
    events[to] = events[from];
  }

  private void grow() {
    int c = events.length * 2;
    time = Arrays.copyOf(time, c);
    dst = Arrays.copyOf(dst, c);
    src = Arrays.copyOf(src, c);
    seq = Arrays.copyOf(seq, c);
    events = Arrays.copyOf(events, c);
  }
}
