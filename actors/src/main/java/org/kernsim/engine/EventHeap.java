package org.kernsim.engine;

import java.util.Arrays;
import org.kernsim.protocol.engine.Event;

/**
 * A 4-ary min-heap of events in canonical global order {@code (time, dst, src, seq)}. The keys of a
 * slot are three adjacent longs of one array — the time, {@code dst} and {@code src} packed into
 * one long that compares as the pair, and the sequence number — so a comparison reads one place in
 * memory and a node's four children are 96 contiguous bytes; with four children a level, the heap
 * is half as deep as a binary one. Comparisons never touch the event objects. It replaces {@code
 * PriorityQueue<Event>} on the engine's hot path (the sequential driver's whole pending set, and
 * the calendar queue's overflow).
 */
public final class EventHeap {
  private static final int STRIDE = 3; // longs per slot: time, dst|src, seq

  private long[] keys;
  private Event[] events;
  private int size;

  public EventHeap(int capacity) {
    int c = Math.max(16, capacity);
    keys = new long[c * STRIDE];
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
    return size == 0 ? Long.MAX_VALUE : keys[0];
  }

  /** The latest event's time ({@code Long.MIN_VALUE} if empty): a scan of every key. */
  public long maxTime() {
    long max = Long.MIN_VALUE;
    long[] k = keys;
    for (int i = 0, n = size * STRIDE; i < n; i += STRIDE) if (k[i] > max) max = k[i];
    return max;
  }

  /** The earliest event's destination (the heap must not be empty). */
  public int minDst() {
    if (size == 0) throw new java.util.NoSuchElementException();
    return (int) (keys[1] >> 32);
  }

  /** The earliest event's source key: its source, or the rank it was added with. */
  public int minSrcKey() {
    if (size == 0) throw new java.util.NoSuchElementException();
    return (int) keys[1] ^ Integer.MIN_VALUE;
  }

  public Event peek() {
    return size == 0 ? null : events[0];
  }

  /** The event in slot {@code i} of the heap ({@code i < size}; heap order, not sorted). */
  Event at(int i) {
    return events[i];
  }

  public void add(Event e) {
    add(e, e.src());
  }

  /**
   * {@code dst} then {@code src} as one long whose signed order is the pair's: {@code dst} in the
   * high half, {@code src} with its sign bit flipped (so that its signed order becomes the unsigned
   * order of the low half).
   */
  static long pair(int dst, int src) {
    return ((long) dst << 32) | ((src ^ Integer.MIN_VALUE) & 0xFFFF_FFFFL);
  }

  /**
   * Adds {@code e} ordered among same-time events at its destination by {@code srcKey} instead of
   * its source id (a forked schedule's order of sources).
   */
  public void add(Event e, int srcKey) {
    if (size == events.length) grow();
    long t = e.time();
    long p = pair(e.dst(), srcKey);
    long q = e.seq();
    long[] k = keys;
    Event[] ev = events;
    int i = size++;
    while (i > 0) {
      int parent = (i - 1) >>> 2;
      int b = parent * STRIDE;
      long pt = k[b];
      if (t > pt) break;
      if (t == pt) {
        long pp = k[b + 1];
        if (p > pp || (p == pp && q >= k[b + 2])) break;
      }
      int a = i * STRIDE;
      k[a] = pt;
      k[a + 1] = k[b + 1];
      k[a + 2] = k[b + 2];
      ev[i] = ev[parent];
      i = parent;
    }
    int a = i * STRIDE;
    k[a] = t;
    k[a + 1] = p;
    k[a + 2] = q;
    ev[i] = e;
  }

  public Event poll() {
    if (size == 0) return null;
    Event[] ev = events;
    Event top = ev[0];
    int last = --size;
    if (last > 0) {
      long[] k = keys;
      int l = last * STRIDE;
      long t = k[l];
      long p = k[l + 1];
      long q = k[l + 2];
      Event e = ev[last];
      int i = 0;
      while (true) {
        int first = 4 * i + 1;
        if (first >= last) break;
        // the least of up to four children
        int best = first;
        int bb = first * STRIDE;
        long bt = k[bb];
        long bp = k[bb + 1];
        long bq = k[bb + 2];
        int end = Math.min(first + 4, last);
        for (int c = first + 1; c < end; c++) {
          int cb = c * STRIDE;
          long ct = k[cb];
          if (ct > bt) continue;
          if (ct == bt) {
            long cp = k[cb + 1];
            if (cp > bp || (cp == bp && k[cb + 2] >= bq)) continue;
          }
          best = c;
          bt = ct;
          bp = k[cb + 1];
          bq = k[cb + 2];
        }
        // stop when the moving key is not after the least child
        if (t < bt || (t == bt && (p < bp || (p == bp && q <= bq)))) break;
        int a = i * STRIDE;
        k[a] = bt;
        k[a + 1] = bp;
        k[a + 2] = bq;
        ev[i] = ev[best];
        i = best;
      }
      int a = i * STRIDE;
      k[a] = t;
      k[a + 1] = p;
      k[a + 2] = q;
      ev[i] = e;
    }
    ev[last] = null;
    return top;
  }

  private void grow() {
    int c = events.length * 2;
    keys = Arrays.copyOf(keys, c * STRIDE);
    events = Arrays.copyOf(events, c);
  }
}
