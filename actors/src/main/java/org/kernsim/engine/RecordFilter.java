package org.kernsim.engine;

import java.util.Set;

/**
 * Which delivered messages and notes an entity turns into trace records: everything (a trace file
 * is written), or only the classes some checker observes.
 *
 * <p>{@link #wants} runs for every delivered event and every note: the classes are held in an
 * open-addressed table by identity hash (a probe or two, each an identity compare).
 */
public final class RecordFilter {

  public static final RecordFilter NONE = new RecordFilter(false, Set.of());
  public static final RecordFilter ALL = new RecordFilter(true, Set.of());

  private final boolean all;
  private final Set<Class<?>> classes;
  private final Class<?>[] table; // the classes by identity hash, linear probing; a power of two

  public RecordFilter(boolean all, Set<Class<?>> classes) {
    this.all = all;
    this.classes = Set.copyOf(classes);
    int n = Integer.highestOneBit(Math.max(1, this.classes.size()) * 4 - 1) * 2; // load <= 1/2
    this.table = new Class<?>[n];
    for (Class<?> c : this.classes) {
      int i = System.identityHashCode(c) & (n - 1);
      while (table[i] != null) i = (i + 1) & (n - 1);
      table[i] = c;
    }
  }

  public boolean all() {
    return all;
  }

  public Set<Class<?>> classes() {
    return classes;
  }

  public boolean wants(Class<?> c) {
    if (all) return true;
    Class<?>[] t = table;
    int m = t.length - 1;
    for (int i = System.identityHashCode(c) & m; ; i = (i + 1) & m) {
      Class<?> k = t[i];
      if (k == c) return true;
      if (k == null) return false;
    }
  }

  public boolean any() {
    return all || !classes.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RecordFilter r && r.all == all && r.classes.equals(classes);
  }

  @Override
  public int hashCode() {
    return Boolean.hashCode(all) * 31 + classes.hashCode();
  }

  @Override
  public String toString() {
    return "RecordFilter[all=" + all + ", classes=" + classes + "]";
  }
}
