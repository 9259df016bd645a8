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
 * <p>A primitive open-addressing map (receiver id to arrival time), pruned of arrivals already past
 * when it would grow, so a sender that talks to many receivers keeps only its channels in flight.
 */
final class ChannelClock {

  private static final int EMPTY = -1;

  private int[] keys;
  private long[] arrivals;
  private int size;

  ChannelClock() {
    this(8);
  }

  private ChannelClock(int capacity) {
    keys = new int[capacity];
    arrivals = new long[capacity];
    java.util.Arrays.fill(keys, EMPTY);
  }

  /**
   * The arrival time of a message to {@code to} that would arrive at {@code at}, sent at {@code
   * now}: no earlier than the last message in flight to {@code to}. Records the result.
   */
  long hold(int to, long at, long now) {
    int mask = keys.length - 1;
    int i = mix(to) & mask;
    while (true) {
      int k = keys[i];
      if (k == to) {
        long held = arrivals[i];
        if (held > at) at = held;
        arrivals[i] = at;
        return at;
      }
      if (k == EMPTY) break;
      i = (i + 1) & mask;
    }
    if ((size + 1) * 4 > keys.length * 3) {
      prune(now);
      if ((size + 1) * 4 > keys.length * 3) rehash(keys.length * 2);
      put(to, at);
      return at;
    }
    keys[i] = to;
    arrivals[i] = at;
    size++;
    return at;
  }

  /** The channels whose last message is still in flight at {@code now} (for a snapshot). */
  Map<Integer, Long> inFlight(long now) {
    Map<Integer, Long> m = new HashMap<>();
    for (int i = 0; i < keys.length; i++) {
      if (keys[i] != EMPTY && arrivals[i] > now) m.put(keys[i], arrivals[i]);
    }
    return m;
  }

  /** A clock holding {@code inFlight} (as {@link #inFlight} gave it). */
  static ChannelClock of(Map<Integer, Long> inFlight) {
    int cap = 8;
    while (inFlight.size() * 4 > cap * 3) cap *= 2;
    ChannelClock c = new ChannelClock(cap);
    inFlight.forEach(c::put);
    return c;
  }

  int size() {
    return size;
  }

  private void put(int to, long at) {
    int mask = keys.length - 1;
    int i = mix(to) & mask;
    while (keys[i] != EMPTY && keys[i] != to) i = (i + 1) & mask;
    if (keys[i] == EMPTY) size++;
    keys[i] = to;
    arrivals[i] = at;
  }

  /** Drops the channels whose last message has arrived: they hold nothing back any more. */
  private void prune(long now) {
    int live = 0;
    for (int i = 0; i < keys.length; i++) if (keys[i] != EMPTY && arrivals[i] > now) live++;
    if (live == size) return;
    rehashKeeping(keys.length, now);
  }

  private void rehash(int capacity) {
    rehashKeeping(capacity, Long.MIN_VALUE);
  }

  private void rehashKeeping(int capacity, long after) {
    int[] oldKeys = keys;
    long[] oldArrivals = arrivals;
    keys = new int[capacity];
    arrivals = new long[capacity];
    java.util.Arrays.fill(keys, EMPTY);
    size = 0;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] != EMPTY && oldArrivals[i] > after) put(oldKeys[i], oldArrivals[i]);
    }
  }

  private static int mix(int k) {
    int h = k * 0x9E3779B9;
    return h ^ (h >>> 16);
  }
}
