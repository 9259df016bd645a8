package org.kernsim.engine;

import java.util.Arrays;
import org.kernsim.protocol.engine.Event;

/**
 * The events of one window grouped by destination entity: one array per partition, shared by all
 * its entities, instead of an array per entity. A window's events are added as the queue drains
 * them ({@link #add}); {@link #seal} groups them by entity — the entities in the order their first
 * event came, each entity's events in canonical order {@code (time, src, seq)} — into one array
 * that every entity of the window reads its slice of ({@link #events}, {@link #from}, {@link
 * #count}); {@link #clear} forgets the window once every entity has read its slice.
 *
 * <p>An array per entity kept the largest capacity that entity ever needed, for the rest of the
 * run: one window in which every CPU got many events left every entity with a large array (401 of
 * 826 MB live in {@code kprobes-load} at 65,536 CPUs). Here the capacity is the partition's largest
 * recent window, and it shrinks back ({@link #SHRINK_AFTER} windows that each used less than a
 * quarter of it): grown by doubling, shrunk at most once per {@link #SHRINK_AFTER} windows, so a
 * run of windows of steady size allocates nothing. Per entity it costs two ints.
 *
 * <p>Not thread-safe: one partition fills it; the entities of a window may read it concurrently
 * (they are told after {@link #seal}; the partition clears it after their answers).
 */
public final class WindowSlices {

  /** The least capacity; a partition's windows of up to this many events never reallocate. */
  static final int MIN_CAPACITY = 64;

  /**
   * Windows after which arrays that none of them filled beyond a quarter shrink (to the power of
   * two above the largest of those windows).
   */
  static final int SHRINK_AFTER = 256;

  private Event[] in = new Event[MIN_CAPACITY]; // as drained
  private int[] slotOf = new int[MIN_CAPACITY];
  private Event[] out = new Event[MIN_CAPACITY]; // grouped by entity
  // the canonical keys (time, src, seq) of in[] and out[], read once as an event is added: the
  // sort compares these instead of reading every event again
  private long[] inTime = new long[MIN_CAPACITY];
  private int[] inSrc = new int[MIN_CAPACITY];
  private long[] inSeq = new long[MIN_CAPACITY];
  private long[] outTime = new long[MIN_CAPACITY];
  private int[] outSrc = new int[MIN_CAPACITY];
  private long[] outSeq = new long[MIN_CAPACITY];
  private int size;
  private final int[] count; // per slot: its events in this window (0: none)
  private final int[] from; // per slot: where its slice starts in out (after seal)
  private final int[] touched; // slots with events, in the order of their first
  private int touchedCount;
  private int peak; // the largest window since the last shrink check
  private int windows; // windows since the last shrink check

  /** For a partition of {@code slots} entities. */
  public WindowSlices(int slots) {
    count = new int[slots];
    from = new int[slots];
    touched = new int[slots];
  }

  /** Adds an event of the window for the entity in {@code slot}. */
  public void add(int slot, Event e) {
    if (size == in.length) {
      in = Arrays.copyOf(in, size * 2);
      slotOf = Arrays.copyOf(slotOf, size * 2);
      inTime = Arrays.copyOf(inTime, size * 2);
      inSrc = Arrays.copyOf(inSrc, size * 2);
      inSeq = Arrays.copyOf(inSeq, size * 2);
    }
    in[size] = e;
    inTime[size] = e.time();
    inSrc[size] = e.src();
    inSeq[size] = e.seq();
    slotOf[size++] = slot;
    if (count[slot]++ == 0) touched[touchedCount++] = slot;
  }

  /**
   * Groups the window's events by entity, each group in canonical order.
   *
   * @return the number of entities with events ({@link #touched})
   */
  public int seal() {
    if (out.length < in.length) {
      out = new Event[in.length];
      outTime = new long[in.length];
      outSrc = new int[in.length];
      outSeq = new long[in.length];
    }
    int at = 0;
    for (int i = 0; i < touchedCount; i++) {
      int slot = touched[i];
      from[slot] = at;
      at += count[slot];
    }
    for (int i = 0; i < size; i++) {
      int slot = slotOf[i];
      int to = from[slot]++; // from[] ends one past the slice ...
      out[to] = in[i];
      outTime[to] = inTime[i];
      outSrc[to] = inSrc[i];
      outSeq[to] = inSeq[i];
      in[i] = null;
    }
    for (int i = 0; i < touchedCount; i++) {
      int slot = touched[i];
      from[slot] -= count[slot]; // ... and is moved back to its start
      if (count[slot] > 1) sortSlice(from[slot], from[slot] + count[slot]);
    }
    return touchedCount;
  }

  /** The slot of the {@code i}-th entity with events in the window (after {@link #seal}). */
  public int touched(int i) {
    return touched[i];
  }

  /** The array holding every slice of the window (valid until {@link #clear}). */
  public Event[] events() {
    return out;
  }

  /** Where the slice of {@code slot} starts in {@link #events}. */
  public int from(int slot) {
    return from[slot];
  }

  /** The number of events of {@code slot} in the window. */
  public int count(int slot) {
    return count[slot];
  }

  /** The events in the window. */
  public int size() {
    return size;
  }

  /** The capacity held now (for tests and the memory figures). */
  public int capacity() {
    return in.length;
  }

  /**
   * Forgets the window (its events are no longer referenced from here); every {@link #SHRINK_AFTER}
   * windows, arrays that no window since filled beyond a quarter shrink to the power of two above
   * the largest of them.
   */
  public void clear() {
    Arrays.fill(out, 0, size, null);
    for (int i = 0; i < touchedCount; i++) count[touched[i]] = 0;
    touchedCount = 0;
    if (size > peak) peak = size;
    size = 0;
    if (++windows < SHRINK_AFTER) return;
    int target = Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, peak)) << 1);
    if (target < in.length && peak * 4 <= in.length) {
      in = new Event[target];
      slotOf = new int[target];
      out = new Event[target];
      inTime = new long[target];
      inSrc = new int[target];
      inSeq = new long[target];
      outTime = new long[target];
      outSrc = new int[target];
      outSeq = new long[target];
    }
    peak = 0;
    windows = 0;
  }

  /**
   * Puts {@code out[lo..hi)} in the canonical order at one destination, {@code (time, src, seq)},
   * by the keys read as the events were added: an insertion sort (a few events per entity and
   * window), {@link #sortCanonically} for long slices.
   */
  private void sortSlice(int lo, int hi) {
    if (hi - lo > 16) {
      sortCanonically(out, lo, hi); // the keys are not needed after the sort
      return;
    }
    Event[] a = out;
    long[] tm = outTime;
    int[] sr = outSrc;
    long[] sq = outSeq;
    for (int i = lo + 1; i < hi; i++) {
      Event e = a[i];
      long t = tm[i];
      int s = sr[i];
      long q = sq[i];
      int j = i - 1;
      while (j >= lo && (tm[j] > t || (tm[j] == t && (sr[j] > s || (sr[j] == s && sq[j] > q))))) {
        a[j + 1] = a[j];
        tm[j + 1] = tm[j];
        sr[j + 1] = sr[j];
        sq[j + 1] = sq[j];
        j--;
      }
      a[j + 1] = e;
      tm[j + 1] = t;
      sr[j + 1] = s;
      sq[j + 1] = q;
    }
  }

  /** The canonical order at one destination: (time, source, source sequence). */
  static void sortCanonically(Event[] a, int lo, int hi) {
    if (hi - lo > 16) {
      Arrays.sort(a, lo, hi, Event::compareAtDestination);
      return;
    }
    for (int i = lo + 1; i < hi; i++) { // few events per entity and window: insertion sort
      Event e = a[i];
      int j = i - 1;
      while (j >= lo && Event.compareAtDestination(a[j], e) > 0) {
        a[j + 1] = a[j];
        j--;
      }
      a[j + 1] = e;
    }
  }
}
