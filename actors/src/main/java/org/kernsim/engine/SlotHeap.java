package org.kernsim.engine;

import java.util.Arrays;

/**
 * A 4-ary min-heap in canonical global order with no event objects: a slot is its three keys (time;
 * {@code dst} and the source key packed as {@link EventHeap#pair}; sequence number), adjacent in
 * one {@code long[]}, and one reference in a parallel array (the payload, or a {@link
 * PendingEvent}). The sequential driver's queue ({@link CalendarHeap}) is made of it: an event
 * costs no allocation and its keys are read where the heap already is. {@link EventHeap} is the
 * same heap with the event as each slot's reference (the actor engine's window queue).
 */
final class SlotHeap {
  private static final int STRIDE = 3; // longs per slot: time, dst|srcKey, seq

  private long[] keys;
  private Object[] refs;
  private int size;

  SlotHeap(int capacity) {
    int c = Math.max(16, capacity);
    keys = new long[c * STRIDE];
    refs = new Object[c];
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** The earliest slot's time; {@code Long.MAX_VALUE} if empty. */
  long minTime() {
    return size == 0 ? Long.MAX_VALUE : keys[0];
  }

  /** The earliest slot's {@code dst|srcKey} pair (the heap must not be empty). */
  long minPair() {
    if (size == 0) throw new java.util.NoSuchElementException();
    return keys[1];
  }

  /** The earliest slot's sequence number (the heap must not be empty). */
  long minSeq() {
    return keys[2];
  }

  /** The earliest slot's reference (null if empty). */
  Object minRef() {
    return refs[0];
  }

  /** The latest time ({@code Long.MIN_VALUE} if empty): a scan of every key. */
  long maxTime() {
    long max = Long.MIN_VALUE;
    long[] k = keys;
    for (int i = 0, n = size * STRIDE; i < n; i += STRIDE) if (k[i] > max) max = k[i];
    return max;
  }

  /** Slot {@code i}'s time, pair, sequence number and reference (heap order, {@code i < size}). */
  long timeAt(int i) {
    return keys[i * STRIDE];
  }

  long pairAt(int i) {
    return keys[i * STRIDE + 1];
  }

  long seqAt(int i) {
    return keys[i * STRIDE + 2];
  }

  Object refAt(int i) {
    return refs[i];
  }

  void add(long t, long p, long q, Object ref) {
    if (size == refs.length) grow();
    long[] k = keys;
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
      move(parent, i);
      i = parent;
    }
    put(i, t, p, q, ref);
  }

  /** Removes the earliest slot (the heap must not be empty). */
  void remove() {
    Object[] rs = refs;
    int last = --size;
    if (last > 0) {
      long[] k = keys;
      int l = last * STRIDE;
      long t = k[l];
      long p = k[l + 1];
      long q = k[l + 2];
      Object r = rs[last];
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
        if (!before(bt, bp, bq, t, p, q)) break;
        put(i, bt, bp, bq, rs[best]);
        i = best;
      }
      put(i, t, p, q, r);
    }
    rs[last] = null;
  }

  /**
   * Whether keys {@code (t, p, q)} — time, {@code dst|srcKey} pair, sequence number — come strictly
   * before {@code (bt, bp, bq)} in the canonical order every pending-event queue pops in (the sifts
   * above compare the same way, loading a child's pair and sequence only when the times tie).
   */
  static boolean before(long t, long p, long q, long bt, long bp, long bq) {
    return t < bt || (t == bt && (p < bp || (p == bp && q < bq)));
  }

  /** Slot {@code to} takes slot {@code from}'s keys and reference. */
  private void move(int from, int to) {
    int b = from * STRIDE;
    put(to, keys[b], keys[b + 1], keys[b + 2], refs[from]);
  }

  private void put(int i, long t, long p, long q, Object ref) {
    int a = i * STRIDE;
    keys[a] = t;
    keys[a + 1] = p;
    keys[a + 2] = q;
    refs[i] = ref;
  }

  private void grow() {
    int c = refs.length * 2;
    keys = Arrays.copyOf(keys, c * STRIDE);
    refs = Arrays.copyOf(refs, c);
  }
}
