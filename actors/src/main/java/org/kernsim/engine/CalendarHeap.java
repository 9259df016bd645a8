package org.kernsim.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.kernsim.protocol.engine.Event;

/**
 * The sequential driver's pending events, popped in exact canonical global order {@code (time, dst,
 * src, seq)} like an {@link EventHeap}, but without the heap's cache misses when many events are
 * pending (PHOLD: 160,000). Time is cut into buckets of a fixed width: the current bucket's events
 * are in a small {@link EventHeap} (they fit in the cache), the next {@link #RING} buckets are
 * unsorted arrays that an event is appended to, and anything later waits in a second heap. When the
 * current bucket is empty, the next non-empty one (found in an occupancy bitmap) is moved into the
 * small heap.
 *
 * <p>The bucket width is set when the calendar starts, from the pending events' spread: 1/512 of
 * it, so that the ring covers twice what is pending then. A model whose events are sparse in time
 * never has that many pending, and stays a heap.
 *
 * <p>Order: every event in the small heap is earlier than every event in the ring (a later bucket),
 * and every event in the ring earlier than every event in the far heap (whose buckets are beyond
 * the ring); an event added to the current bucket or before it goes into the small heap. So the
 * small heap's minimum is the minimum of all, and pops come out exactly as from one heap, ties
 * included.
 */
public final class CalendarHeap {
  static final int RING = 1024; // buckets: the current one and those after it (a power of two)

  /**
   * Pending events beyond which the calendar starts: at 4,096 (PHOLD with 1,000 entities, 16,000
   * pending, 1.18-1.32x events per CPU second; {@code workqueue-load} at 512 and 1,024 CPUs, 5,051
   * and 9,845 pending at the peak, the same within the noise; docs/performance.md).
   */
  static final int SWITCH = 4_096;

  private final int switchAt;

  private boolean calendar; // false: everything is in the current heap
  private long width = 1;
  private final EventHeap current = new EventHeap(64);
  // the far heap and the ring exist once the calendar starts: a run that never has SWITCH events
  // pending (an explored schedule: about a hundred) does not allocate and zero them (~14 KB)
  private EventHeap far;
  private Event[][] ringEvents;
  private int[][] ringKeys; // each event's source key (its source, or rank)
  private int[] ringSize;
  private long[] occupied;
  private long lo; // the current bucket; the ring holds buckets lo+1 .. lo+RING-1
  private int size;
  private int moves; // buckets moved into the current heap so far

  public CalendarHeap() {
    this(SWITCH);
  }

  /** A calendar that starts beyond {@code switchAt} pending events (tests start it early). */
  CalendarHeap(int switchAt) {
    this.switchAt = switchAt;
  }

  /** Whether the calendar has started (more than {@link #SWITCH} events were pending at once). */
  boolean calendar() {
    return calendar;
  }

  /**
   * Starts the calendar over the events in the current heap: the width from their spread, and each
   * of them moved to its bucket (the earliest one's bucket is the current one), as if they had been
   * added to the calendar.
   */
  private void startCalendar() {
    long min = current.minTime();
    long max = current.maxTime();
    long spread = max - min;
    width = spread <= 0 ? 1 : Math.max(1, spread / (RING / 2));
    int n = current.size();
    Event[] events = new Event[n];
    int[] keys = new int[n];
    for (int i = 0; i < n; i++) {
      keys[i] = current.minSrcKey();
      events[i] = current.poll();
    }
    far = new EventHeap(64);
    ringEvents = new Event[RING][];
    ringKeys = new int[RING][];
    ringSize = new int[RING];
    occupied = new long[RING / 64];
    calendar = true;
    size = 0;
    for (int i = 0; i < n; i++) add(events[i], keys[i]); // the first one sets the current bucket
  }

  public int size() {
    return size;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  private long bucketOf(long time) {
    return Math.floorDiv(time, width);
  }

  public void add(Event e) {
    add(e, e.src());
  }

  /**
   * Adds {@code e} ordered among same-time events at its destination by {@code srcKey} instead of
   * its source id (a forked schedule's order of sources).
   */
  public void add(Event e, int srcKey) {
    if (!calendar) {
      current.add(e, srcKey);
      if (++size > switchAt) startCalendar();
      return;
    }
    long b = bucketOf(e.time());
    if (size++ == 0) lo = b; // an empty queue starts at the event's bucket
    if (b <= lo) {
      current.add(e, srcKey);
    } else if (b - lo < RING) {
      put(b, e, srcKey);
    } else {
      far.add(e, srcKey);
    }
  }

  private void put(long b, Event e, int srcKey) {
    int i = (int) (b & (RING - 1));
    int n = ringSize[i];
    Event[] ev = ringEvents[i];
    if (ev == null) {
      ev = ringEvents[i] = new Event[8];
      ringKeys[i] = new int[8];
    } else if (n == ev.length) {
      ev = ringEvents[i] = Arrays.copyOf(ev, n * 2);
      ringKeys[i] = Arrays.copyOf(ringKeys[i], n * 2);
    }
    ev[n] = e;
    ringKeys[i][n] = srcKey;
    if (n == 0) occupied[i >>> 6] |= 1L << i;
    ringSize[i] = n + 1;
  }

  /** The earliest event's time; {@code Long.MAX_VALUE} if empty. */
  public long minTime() {
    return current.minTime();
  }

  /** The earliest event's destination (the queue must not be empty). */
  public int minDst() {
    return current.minDst();
  }

  public Event peek() {
    return current.peek();
  }

  public Event poll() {
    if (size == 0) return null;
    Event e = current.poll();
    if (--size > 0 && current.isEmpty()) advance();
    return e;
  }

  /** Makes the next non-empty bucket current (the current one is empty, the queue is not). */
  private void advance() {
    long next = nextOccupied();
    if (next < 0) {
      // the ring is empty: jump to the far heap's first bucket
      next = bucketOf(far.minTime());
    }
    lo = next;
    // the ring now reaches further: bring in what the far heap holds for it
    while (!far.isEmpty()) {
      long fb = bucketOf(far.minTime());
      if (fb - lo >= RING) break;
      int key = far.minSrcKey();
      Event e = far.poll();
      if (fb <= lo) current.add(e, key);
      else put(fb, e, key);
    }
    int i = (int) (lo & (RING - 1));
    int n = ringSize[i];
    if (n > 0) {
      Event[] ev = ringEvents[i];
      int[] keys = ringKeys[i];
      for (int k = 0; k < n; k++) {
        current.add(ev[k], keys[k]);
        ev[k] = null;
      }
      ringSize[i] = 0;
      occupied[i >>> 6] &= ~(1L << i);
    }
    moves++;
  }

  /**
   * How many times a bucket was made current: when it changes, the current heap holds the next
   * bucket's events ({@link #currentSize}, {@link #current}), which a driver may read ahead.
   */
  int moves() {
    return moves;
  }

  /** Events in the current bucket's heap (the calendar has started, or everything). */
  int currentSize() {
    return current.size();
  }

  /**
   * The {@code i}-th event of the current bucket's heap, in heap order ({@code i < currentSize}).
   */
  Event current(int i) {
    return current.at(i);
  }

  /** The first occupied ring bucket after {@code lo} (absolute), or -1 if the ring is empty. */
  private long nextOccupied() {
    int start = (int) ((lo + 1) & (RING - 1));
    int words = RING / 64;
    for (int step = 0; step <= words; step++) {
      int word = ((start >>> 6) + step) & (words - 1);
      long bits = occupied[word];
      if (step == 0) bits &= -1L << (start & 63);
      else if (step == words) bits &= ~(-1L << (start & 63));
      if (bits != 0) {
        int slot = (word << 6) + Long.numberOfTrailingZeros(bits);
        return lo + 1 + ((slot - start) & (RING - 1));
      }
    }
    return -1;
  }

  /** The pending events in canonical global order (nothing is removed). */
  public List<Event> sorted() {
    List<Event> out = new ArrayList<>(size);
    out.addAll(current.sorted());
    if (calendar) {
      for (int i = 0; i < RING; i++)
        for (int k = 0; k < ringSize[i]; k++) out.add(ringEvents[i][k]);
      out.addAll(far.sorted());
    }
    out.sort(Event::compareGlobal);
    return out;
  }
}
