package org.kernsim.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.kernsim.protocol.engine.Event;

/**
 * The sequential driver's pending events, popped in exact canonical global order {@code (time, dst,
 * src, seq)} like an {@link EventHeap}, but without the heap's cache misses when many events are
 * pending (PHOLD: 160,000). Time is cut into buckets of a fixed width: the current bucket's events
 * are sorted once when it becomes current (a run popped front to back; they fit in the cache), the
 * next {@link #RING} buckets are unsorted arrays that an event is appended to, and anything later
 * waits in a second heap. When the current bucket is empty, the next non-empty one (found in an
 * occupancy bitmap) is sorted into the run. An event added to the current bucket while it is
 * drained goes into a small heap ({@link SlotHeap}) beside the run, and the earlier of the two
 * heads is popped.
 *
 * <p>No event objects: an event is its keys (time, destination, source key, sequence) in {@code
 * long} arrays and one reference (its payload, or a {@link PendingEvent} for a timer or a ranked
 * source) in a parallel array, in the heaps ({@link SlotHeap}) and the ring's buckets alike. Adding
 * a message allocates nothing, and moving a bucket reads two arrays front to back.
 *
 * <p>The bucket width is set when the calendar starts, from the pending events' spread: 1/512 of
 * it, so that the ring covers twice what is pending then. A model whose events are sparse in time
 * never has that many pending, and stays a heap.
 *
 * <p>Order: every event of the current bucket (run and small heap) is earlier than every event in
 * the ring (a later bucket), and every event in the ring earlier than every event in the far heap
 * (whose buckets are beyond the ring); an event added to the current bucket or before it goes into
 * the small heap. So the earlier of the run's head and the small heap's minimum is the minimum of
 * all, and pops come out exactly as from one heap, ties included. Before the calendar starts,
 * everything is in the small heap.
 */
public final class CalendarHeap {
  static final int RING = 1024; // buckets: the current one and those after it (a power of two)
  private static final int STRIDE = 3; // a ring bucket's longs per event: time, dst|srcKey, seq

  /**
   * Pending events beyond which the calendar starts: at 4,096 (PHOLD with 1,000 entities, 16,000
   * pending, 1.18-1.32x events per CPU second; {@code workqueue-load} at 512 and 1,024 CPUs, 5,051
   * and 9,845 pending at the peak, the same within the noise; docs/performance.md).
   */
  static final int SWITCH = 4_096;

  private final int switchAt;

  private boolean calendar; // false: everything is in the current heap
  private long width = 1;
  private final SlotHeap current = new SlotHeap(64);
  // the far heap and the ring exist once the calendar starts: a run that never has SWITCH events
  // pending (an explored schedule: about a hundred) does not allocate and zero them (~14 KB)
  private SlotHeap far;
  private long[][] ringKeys; // per bucket: each event's time, dst|srcKey pair and sequence
  private Object[][] ringRefs; // per bucket: each event's payload or PendingEvent
  private int[] ringSize;
  private long[] occupied;
  private long lo; // the current bucket; the ring holds buckets lo+1 .. lo+RING-1
  private int size;
  private int moves; // buckets made current so far

  // Once the calendar has started, the current bucket is sorted once when it becomes current: its
  // events in canonical order in runKeys/runRefs from runPos to runEnd, popped front to back, and
  // the current heap holds only what is added to the current bucket while it is drained (and, the
  // rare time, a bucket that cannot be sorted by its time offsets). The minimum is the earlier of
  // the run's head and the heap's.
  private long[] runKeys; // STRIDE longs per event, as the ring's
  private Object[] runRefs;
  private long[] sortKeys; // per event of the bucket: its time offset in the bucket, and its index
  private long[] radixBuffer; // the radix sort's other half (as long as sortKeys)
  private final int[] radixCounts = new int[(1 << RADIX_BITS) + 1];
  private int runPos;
  private int runEnd;
  private boolean head; // the earliest event is the run's head (else the current heap's minimum)
  private int sorts; // buckets sorted into the run (tests)
  private int radixSorts; // of them, by radix (tests)

  /** Bits of a sort key that hold the event's index in its bucket. */
  private static final int INDEX_BITS = 20;

  /**
   * A bucket of at least this many events whose keys' time and destination bits number at most
   * {@link #RADIX_PASSES} times {@link #RADIX_BITS} is sorted by radix ({@link #radixSort}), else
   * by {@code Arrays.sort}: PHOLD's buckets of a few hundred events (time offset and a 14-bit
   * destination: 2 or 3 passes, by the width) sort in a fifth of the time (a micro-benchmark, 300
   * events: 24 ns per event by {@code Arrays.sort}, 4.5-5.5 by radix); below 64 the counts'
   * clearing does not pay.
   */
  static final int RADIX_MIN = 64;

  static final int RADIX_BITS = 8;
  static final int RADIX_PASSES = 4;

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
    long[] keys = new long[n * STRIDE];
    Object[] refs = new Object[n];
    for (int i = 0; i < n; i++) {
      keys[i * STRIDE] = current.minTime();
      keys[i * STRIDE + 1] = current.minPair();
      keys[i * STRIDE + 2] = current.minSeq();
      refs[i] = current.minRef();
      current.remove();
    }
    far = new SlotHeap(64);
    runKeys = new long[64 * STRIDE];
    runRefs = new Object[64];
    sortKeys = new long[64];
    radixBuffer = new long[64];
    runPos = runEnd = 0;
    head = false;
    ringKeys = new long[RING][];
    ringRefs = new Object[RING][];
    ringSize = new int[RING];
    occupied = new long[RING / 64];
    calendar = true;
    size = 0;
    for (int i = 0; i < n; i++) // the first one sets the current bucket
    add(keys[i * STRIDE], keys[i * STRIDE + 1], keys[i * STRIDE + 2], refs[i]);
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
    add(e.time(), e.src(), e.seq(), e.dst(), e.payload(), e.timerKey(), e.timerGen(), srcKey);
  }

  /**
   * Adds the event {@code (time, src, seq, dst, payload, timerKey, timerGen)}, ordered among
   * same-time events at its destination by {@code srcKey} (its source, or a forked schedule's rank
   * of it), without an {@link Event} object: a message ordered by its own source is kept as its
   * keys and payload alone.
   */
  public void add(
      long time,
      int src,
      long seq,
      int dst,
      Object payload,
      Object timerKey,
      int timerGen,
      int srcKey) {
    add(
        time,
        EventHeap.pair(dst, srcKey),
        seq,
        PendingEvent.ref(src, srcKey, payload, timerKey, timerGen));
  }

  private void add(long t, long p, long q, Object ref) {
    if (!calendar) {
      current.add(t, p, q, ref);
      if (++size > switchAt) startCalendar();
      return;
    }
    long b = bucketOf(t);
    if (size++ == 0) lo = b; // an empty queue starts at the event's bucket
    if (b <= lo) {
      current.add(t, p, q, ref);
      head = runFirst();
    } else if (b - lo < RING) {
      put(b, t, p, q, ref);
    } else {
      far.add(t, p, q, ref);
    }
  }

  private void put(long b, long t, long p, long q, Object ref) {
    int i = (int) (b & (RING - 1));
    int n = ringSize[i];
    Object[] rs = ringRefs[i];
    long[] ks = ringKeys[i];
    if (rs == null) {
      rs = ringRefs[i] = new Object[8];
      ks = ringKeys[i] = new long[8 * STRIDE];
    } else if (n == rs.length) {
      rs = ringRefs[i] = Arrays.copyOf(rs, n * 2);
      ks = ringKeys[i] = Arrays.copyOf(ks, n * 2 * STRIDE);
    }
    rs[n] = ref;
    int a = n * STRIDE;
    ks[a] = t;
    ks[a + 1] = p;
    ks[a + 2] = q;
    if (n == 0) occupied[i >>> 6] |= 1L << i;
    ringSize[i] = n + 1;
  }

  /** The earliest event's time; {@code Long.MAX_VALUE} if empty. */
  public long minTime() {
    return head ? runKeys[runPos * STRIDE] : current.minTime();
  }

  private long minPair() {
    return head ? runKeys[runPos * STRIDE + 1] : current.minPair();
  }

  /** The earliest event's destination (the queue must not be empty). */
  public int minDst() {
    return (int) (minPair() >> 32);
  }

  /** The earliest event's source key: its source, or the rank it was added with (not empty). */
  public int minSrcKey() {
    return (int) minPair() ^ Integer.MIN_VALUE;
  }

  /** The earliest event's sequence number (the queue must not be empty). */
  public long minSeq() {
    return head ? runKeys[runPos * STRIDE + 2] : current.minSeq();
  }

  /**
   * What the earliest event holds besides its keys: its payload, or a {@link PendingEvent} (a
   * timer, or a ranked source); see {@link EntityRuntime#deliver(long, int, long, Object)}.
   */
  Object minRef() {
    return head ? runRefs[runPos] : current.minRef();
  }

  /** The earliest event, made into an {@link Event} (null if empty); nothing is removed. */
  public Event peek() {
    if (size == 0) return null;
    return PendingEvent.event(minTime(), minSrcKey(), minSeq(), minDst(), minRef());
  }

  /** Removes the earliest event and returns it as an {@link Event} (null if empty). */
  public Event poll() {
    Event e = peek();
    if (e != null) remove();
    return e;
  }

  /** Removes the earliest event (the queue must not be empty). */
  public void remove() {
    if (size == 0) throw new java.util.NoSuchElementException();
    if (head) runRefs[runPos++] = null;
    else current.remove();
    if (--size > 0 && runPos == runEnd && current.isEmpty()) advance();
    else if (calendar) head = runFirst();
  }

  /** Whether the run's head is the earliest event (the run is not empty and precedes the heap). */
  private boolean runFirst() {
    if (runPos == runEnd) return false;
    if (current.isEmpty()) return true;
    int a = runPos * STRIDE;
    return SlotHeap.before(
        runKeys[a],
        runKeys[a + 1],
        runKeys[a + 2],
        current.minTime(),
        current.minPair(),
        current.minSeq());
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
      long t = far.minTime();
      long fb = bucketOf(t);
      if (fb - lo >= RING) break;
      long p = far.minPair();
      long q = far.minSeq();
      Object ref = far.minRef();
      far.remove();
      if (fb <= lo) current.add(t, p, q, ref);
      else put(fb, t, p, q, ref);
    }
    int i = (int) (lo & (RING - 1));
    int n = ringSize[i];
    runPos = runEnd = 0;
    if (n > 0) {
      long[] ks = ringKeys[i];
      Object[] rs = ringRefs[i];
      if (width <= (1L << (63 - INDEX_BITS)) && n <= (1 << INDEX_BITS)) {
        sort(ks, rs, n);
      } else {
        for (int k = 0, a = 0; k < n; k++, a += STRIDE)
          current.add(ks[a], ks[a + 1], ks[a + 2], rs[k]);
      }
      Arrays.fill(rs, 0, n, null);
      ringSize[i] = 0;
      occupied[i >>> 6] &= ~(1L << i);
    }
    head = runFirst();
    moves++;
  }

  /**
   * Makes the current bucket's {@code n} events ({@code ks}, {@code rs}: bucket {@link #lo} of the
   * ring) the run, in canonical order: sorted once by time (a primitive sort of each event's time
   * offset in the bucket, its destination when the bits suffice, and its index, one {@code long}
   * each), then each stretch of equal times by the {@code dst|srcKey} pair and the sequence number
   * (an insertion sort: a few events each, already in order when the destination was in the key).
   */
  private void sort(long[] ks, Object[] rs, int n) {
    if (sortKeys.length < n) {
      int c = Math.max(n, sortKeys.length * 2);
      sortKeys = new long[c];
      radixBuffer = new long[c];
      runKeys = new long[c * STRIDE];
      runRefs = new Object[c];
    }
    long base = lo * width; // the bucket's first time: every offset is below the width
    long[] sk = sortKeys;
    // the key: the time offset, then (when it fits in the long) the destination, then the index;
    // with the destination in it, a stretch of equal times comes out sorted but for ties at one
    // destination, and the insertion sort below has nothing to move
    int indexBits = 32 - Integer.numberOfLeadingZeros(n);
    int maxDst = 0;
    for (int k = 0; k < n; k++) maxDst |= (int) (ks[k * STRIDE + 1] >>> 32);
    int dstBits = 32 - Integer.numberOfLeadingZeros(maxDst);
    int timeBits = 64 - Long.numberOfLeadingZeros(width - 1);
    int keyBits; // above the index
    if (timeBits + dstBits + indexBits <= 63) {
      int shift = dstBits + indexBits;
      for (int k = 0, a = 0; k < n; k++, a += STRIDE)
        sk[k] = ((ks[a] - base) << shift) | ((ks[a + 1] >>> 32) << indexBits) | k;
      keyBits = timeBits + dstBits;
    } else {
      indexBits = INDEX_BITS;
      for (int k = 0; k < n; k++) sk[k] = ((ks[k * STRIDE] - base) << INDEX_BITS) | k;
      keyBits = timeBits;
    }
    // the index bits are each key's position, in order: a stable sort by the bits above them is
    // the sort of the whole keys
    if (n >= RADIX_MIN && keyBits <= RADIX_PASSES * RADIX_BITS) {
      radixSort(sk, radixBuffer, radixCounts, n, indexBits, indexBits + keyBits);
      radixSorts++;
    } else {
      Arrays.sort(sk, 0, n);
    }
    int indexMask = (1 << indexBits) - 1;
    long[] out = runKeys;
    Object[] refs = runRefs;
    int from = 0; // the first event of the current stretch of equal times
    for (int j = 0; j < n; j++) {
      int k = (int) sk[j] & indexMask;
      int a = k * STRIDE;
      int o = j * STRIDE;
      long t = ks[a];
      long p = ks[a + 1];
      long q = ks[a + 2];
      Object r = rs[k];
      if (j > 0 && out[o - STRIDE] != t) from = j;
      // insert into the stretch [from, j) of equal times, by pair and sequence number
      int at = j;
      while (at > from) {
        int b = (at - 1) * STRIDE;
        if (SlotHeap.before(t, out[b + 1], out[b + 2], t, p, q)) break; // same time: pair, seq
        out[b + STRIDE] = out[b];
        out[b + STRIDE + 1] = out[b + 1];
        out[b + STRIDE + 2] = out[b + 2];
        refs[at] = refs[at - 1];
        at--;
      }
      int w = at * STRIDE;
      out[w] = t;
      out[w + 1] = p;
      out[w + 2] = q;
      refs[at] = r;
    }
    runPos = 0;
    runEnd = n;
    sorts++;
  }

  /**
   * Sorts {@code a[0..n)} (non-negative) stably by their bits {@code [lo, hi)}, least significant
   * digit first: as few passes of at most {@link #RADIX_BITS} bits as cover them, each a count, a
   * prefix sum over the counts and a scatter into {@code buffer} (as long as {@code a}), the two
   * arrays taking turns. {@code counts} has {@code 2^RADIX_BITS + 1} entries. Predictable branches
   * only, where a comparison sort of keys in random order mispredicts about every other one.
   */
  static void radixSort(long[] a, long[] buffer, int[] counts, int n, int lo, int hi) {
    int bits = hi - lo;
    if (bits <= 0 || n < 2) return;
    int passes = (bits + RADIX_BITS - 1) / RADIX_BITS;
    int b = (bits + passes - 1) / passes; // the bits spread evenly over the passes
    long[] src = a;
    long[] dst = buffer;
    for (int p = 0, shift = lo; p < passes; p++, shift += b) {
      int mask = (1 << Math.min(b, hi - shift)) - 1; // the last pass stops at hi
      Arrays.fill(counts, 0, mask + 1, 0);
      for (int i = 0; i < n; i++) counts[(int) (src[i] >>> shift) & mask]++;
      for (int d = 0, sum = 0; d <= mask; d++) {
        int c = counts[d];
        counts[d] = sum;
        sum += c;
      }
      for (int i = 0; i < n; i++) {
        long v = src[i];
        dst[counts[(int) (v >>> shift) & mask]++] = v;
      }
      long[] t = src;
      src = dst;
      dst = t;
    }
    if (src != a) System.arraycopy(src, 0, a, 0, n);
  }

  /** Buckets sorted once as they became current (tests). */
  int sorts() {
    return sorts;
  }

  /** Of the buckets {@link #sorts sorted}, those sorted by radix (tests). */
  int radixSorts() {
    return radixSorts;
  }

  /**
   * How many times a bucket was made current: when it changes, the current heap holds the next
   * bucket's events ({@link #currentSize}, {@link #currentDst}, {@link #currentRef}), which a
   * driver may read ahead.
   */
  int moves() {
    return moves;
  }

  /**
   * Events in the current bucket: its sorted run's still pending, then its heap's (the calendar has
   * started, or everything).
   */
  int currentSize() {
    return runEnd - runPos + current.size();
  }

  /**
   * The destination of the current bucket's {@code i}-th event (the run in order, then the heap).
   */
  int currentDst(int i) {
    int r = runEnd - runPos;
    return (int) ((i < r ? runKeys[(runPos + i) * STRIDE + 1] : current.pairAt(i - r)) >> 32);
  }

  /** The reference ({@link #minRef}) of the current bucket's {@code i}-th event. */
  Object currentRef(int i) {
    int r = runEnd - runPos;
    return i < r ? runRefs[runPos + i] : current.refAt(i - r);
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

  private static Event event(long t, long p, long q, Object ref) {
    return PendingEvent.event(t, (int) p ^ Integer.MIN_VALUE, q, (int) (p >> 32), ref);
  }

  private static void addAll(SlotHeap h, List<Event> out) {
    for (int i = 0; i < h.size(); i++)
      out.add(event(h.timeAt(i), h.pairAt(i), h.seqAt(i), h.refAt(i)));
  }

  /** The pending events in canonical global order (nothing is removed). */
  public List<Event> sorted() {
    List<Event> out = new ArrayList<>(size);
    addAll(current, out);
    for (int i = runPos; i < runEnd; i++)
      out.add(
          event(runKeys[i * STRIDE], runKeys[i * STRIDE + 1], runKeys[i * STRIDE + 2], runRefs[i]));
    if (calendar) {
      for (int i = 0; i < RING; i++) {
        long[] ks = ringKeys[i];
        for (int k = 0; k < ringSize[i]; k++)
          out.add(event(ks[k * STRIDE], ks[k * STRIDE + 1], ks[k * STRIDE + 2], ringRefs[i][k]));
      }
      addAll(far, out);
    }
    out.sort(Event::compareGlobal);
    return out;
  }
}
