package org.kernsim.engine;

import java.util.HashMap;
import java.util.Map;

/**
 * One sender's channels kept in order: per receiver, the arrival time of the last message sent to
 * it that is still in flight. A message never arrives before an earlier message of the same sender
 * to the same receiver ({@link #hold}): at the same time it comes after it, since events of one
 * sender at one time are ordered by send sequence.
 *
 * <p>This is program order as another CPU observes it under x86-TSO: two actions one task does in
 * order (two stores, an {@code atomic_set()} and a later {@code spin_lock()} section, a wake-up and
 * a later reply) take effect at their receiver in that order, however the latencies drawn for them
 * fall. Without it a latency class with spread ({@code uniform(100ns, 400ns)}) could deliver the
 * second before the first, an order no kernel has.
 *
 * <p>The channels are a primitive open-addressing table (linear probing) in one {@code long[]},
 * which {@link EntityRuntime} holds directly: {@code [0]} counts the slots taken, slot {@code i} is
 * the receiver at {@code [2 + 2i]} and the arrival at {@code [3 + 2i]}. A send reads the array's
 * first line and the probed one (PHOLD sends to a random receiver that is almost never in the
 * table: the probe runs to a free slot). A slot whose message has arrived ({@code arrival <= now})
 * holds nothing back: a new message leaves at {@code now} and arrives after it. Such slots are
 * dropped before more than half the slots would be taken, in place (no allocation; the table
 * doubles only when more than a quarter of it is still in flight), so a sender that talks to many
 * receivers keeps only its channels in flight. An instance wraps one table (tests, snapshots).
 */
final class ChannelClock {

  private static final long EMPTY = -1;

  private long[] table;

  ChannelClock() {
    this(table(8));
  }

  private ChannelClock(long[] table) {
    this.table = table;
  }

  /** An empty table of {@code slots} slots (a power of two). */
  static long[] table(int slots) {
    long[] t = new long[2 + 2 * slots];
    for (int i = 2; i < t.length; i += 2) t[i] = EMPTY;
    return t;
  }

  /**
   * The arrival time of a message to {@code to} that would arrive at {@code at}, sent at {@code
   * now}: no earlier than the last message in flight to {@code to}. Records the result.
   */
  long hold(int to, long at, long now) {
    if (full(table)) table = room(table, now);
    return hold(table, to, at);
  }

  /** Whether {@code t} must make {@link #room} before the next {@link #hold(long[], int, long)}. */
  static boolean full(long[] t) {
    return 4 * (t[0] + 1) > t.length - 2; // more than half the slots would be taken
  }

  /** As {@link #hold(int, long, long)} on table {@code t}, which has room (not {@link #full}). */
  static long hold(long[] t, int to, long at) {
    int m = ((t.length - 2) >>> 1) - 1;
    int i = mix(to) & m;
    while (true) {
      int p = 2 + 2 * i;
      long k = t[p];
      if (k == to) {
        long held = t[p + 1];
        if (held > at) at = held;
        t[p + 1] = at;
        return at;
      }
      if (k == EMPTY) {
        t[p] = to;
        t[p + 1] = at;
        t[0]++;
        return at;
      }
      i = (i + 1) & m;
    }
  }

  /**
   * Makes room in a {@link #full} table: drops the channels whose message has arrived by {@code
   * now}, in place, and returns {@code t} or, when more than a quarter of its slots are still in
   * flight, a table twice as large holding them.
   */
  static long[] room(long[] t, long now) {
    compact(t, now);
    if (4 * (t[0] + 1) <= (t.length - 2) >>> 1) return t;
    long[] bigger = table(t.length - 2);
    for (int p = 2; p < t.length; p += 2) if (t[p] != EMPTY) put(bigger, (int) t[p], t[p + 1]);
    return bigger;
  }

  /** The channels whose last message is still in flight at {@code now} (for a snapshot). */
  Map<Integer, Long> inFlight(long now) {
    return inFlight(table, now);
  }

  static Map<Integer, Long> inFlight(long[] t, long now) {
    Map<Integer, Long> m = new HashMap<>();
    for (int p = 2; p < t.length; p += 2) {
      if (t[p] != EMPTY && t[p + 1] > now) m.put((int) t[p], t[p + 1]);
    }
    return m;
  }

  /** A clock holding {@code inFlight} (as {@link #inFlight} gave it). */
  static ChannelClock of(Map<Integer, Long> inFlight) {
    return new ChannelClock(tableOf(inFlight));
  }

  /** A table holding {@code inFlight}, with room for the next send. */
  static long[] tableOf(Map<Integer, Long> inFlight) {
    int slots = 8;
    while (4 * (inFlight.size() + 1) > slots) slots *= 2;
    long[] t = table(slots);
    inFlight.forEach((to, at) -> put(t, to, at));
    return t;
  }

  /**
   * The arrival recorded for {@code to}, found by probing as a send would ({@code Long.MIN_VALUE}:
   * none; tests).
   */
  long recorded(int to) {
    long[] t = table;
    int m = ((t.length - 2) >>> 1) - 1;
    for (int i = mix(to) & m; t[2 + 2 * i] != EMPTY; i = (i + 1) & m) {
      if (t[2 + 2 * i] == to) return t[3 + 2 * i];
    }
    return Long.MIN_VALUE;
  }

  /** Slots taken: channels in flight, and arrived ones not dropped yet. */
  int size() {
    return (int) table[0];
  }

  /** Slots in the table (tests). */
  int slots() {
    return (table.length - 2) >>> 1;
  }

  private static void put(long[] t, int to, long at) {
    int m = ((t.length - 2) >>> 1) - 1;
    int i = mix(to) & m;
    while (t[2 + 2 * i] != EMPTY && t[2 + 2 * i] != to) i = (i + 1) & m;
    int p = 2 + 2 * i;
    if (t[p] == EMPTY) t[0]++;
    t[p] = to;
    t[p + 1] = at;
  }

  /**
   * Drops the channels whose last message has arrived by {@code now}, in place. Each remaining
   * entry is taken out and put back, in slot order starting after a slot that was free: no probe
   * chain crosses that slot, so every entry's chain lies in the part already redone when it is put
   * back, and it lands at or before its old slot (which it just freed).
   */
  private static void compact(long[] t, long now) {
    int slots = (t.length - 2) >>> 1;
    int m = slots - 1;
    int s = 0;
    while (t[2 + 2 * s] != EMPTY) s++; // there is one: at most half the slots are taken
    t[0] = 0;
    for (int step = 1; step < slots; step++) {
      int p = 2 + 2 * ((s + step) & m);
      long k = t[p];
      if (k == EMPTY) continue;
      t[p] = EMPTY;
      long at = t[p + 1];
      if (at > now) put(t, (int) k, at);
    }
  }

  private static int mix(int k) {
    int h = k * 0x9E3779B9;
    return h ^ (h >>> 16);
  }
}
