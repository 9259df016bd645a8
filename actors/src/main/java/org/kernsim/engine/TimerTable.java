package org.kernsim.engine;

import java.util.HashMap;
import java.util.Map;

/**
 * An entity's pending timers: each key's generation ({@link EntityRuntime#startTimer}). An entity
 * has a few at a time (a CPU's preemption check, a task's segment, a pool's idle timer), so up to
 * {@value #LINEAR} keys are kept in two small arrays and found by a scan (the same key object
 * first, then {@code equals}, as a {@code HashMap} finds them), with neither hashing nor a boxed
 * generation per start; beyond that, in a {@code HashMap}. Timers fire and are started once or
 * twice per delivered event of a worker or a CPU, so this is on the event path.
 */
final class TimerTable {
  static final int LINEAR = 8;

  private Object[] keys = new Object[4];
  private int[] gens = new int[4];
  private int size;
  private Map<Object, Integer> map; // beyond LINEAR keys: every key is here, the arrays unused

  /** A table holding {@code timers}. */
  static TimerTable of(Map<Object, Integer> timers) {
    TimerTable t = new TimerTable();
    timers.forEach(t::put);
    return t;
  }

  /** Where {@code key} is (-1: not pending). */
  int indexOf(Object key) {
    if (map != null) return map.containsKey(key) ? Integer.MAX_VALUE : -1;
    Object[] k = keys;
    for (int i = 0, n = size; i < n; i++) {
      Object x = k[i];
      if (x == key || (key != null && key.equals(x))) return i;
    }
    return -1;
  }

  /** The generation of the key found at {@code index} by {@link #indexOf(Object)}. */
  int generation(int index, Object key) {
    return map != null ? map.get(key) : gens[index];
  }

  /** Removes the key found at {@code index} by {@link #indexOf(Object)}. */
  void removeAt(int index, Object key) {
    if (map != null) {
      map.remove(key);
      return;
    }
    int last = --size;
    keys[index] = keys[last];
    gens[index] = gens[last];
    keys[last] = null;
  }

  void put(Object key, int gen) {
    if (map != null) {
      map.put(key, gen);
      return;
    }
    int i = indexOf(key);
    if (i >= 0) {
      gens[i] = gen;
      return;
    }
    if (size == LINEAR) {
      map = new HashMap<>();
      for (int j = 0; j < size; j++) map.put(keys[j], gens[j]);
      keys = null;
      gens = null;
      size = 0;
      map.put(key, gen);
      return;
    }
    if (size == keys.length) {
      keys = java.util.Arrays.copyOf(keys, LINEAR);
      gens = java.util.Arrays.copyOf(gens, LINEAR);
    }
    keys[size] = key;
    gens[size++] = gen;
  }

  void remove(Object key) {
    int i = indexOf(key);
    if (i >= 0) removeAt(i, key);
  }

  boolean contains(Object key) {
    return indexOf(key) >= 0;
  }

  boolean isEmpty() {
    return map != null ? map.isEmpty() : size == 0;
  }

  /** The timers as a map (a snapshot's). */
  Map<Object, Integer> toMap() {
    if (map != null) return new HashMap<>(map);
    Map<Object, Integer> m = new HashMap<>(Math.max(4, size * 2));
    for (int i = 0; i < size; i++) m.put(keys[i], gens[i]);
    return m;
  }
}
