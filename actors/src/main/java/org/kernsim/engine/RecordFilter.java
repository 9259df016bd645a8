package org.kernsim.engine;

import java.util.Set;

/**
 * Which delivered messages and notes an entity turns into trace records: everything (a trace file
 * is written), or only the classes some checker observes.
 */
public record RecordFilter(boolean all, Set<Class<?>> classes) {

  public static final RecordFilter NONE = new RecordFilter(false, Set.of());
  public static final RecordFilter ALL = new RecordFilter(true, Set.of());

  public boolean wants(Class<?> c) {
    return all || (!classes.isEmpty() && classes.contains(c));
  }

  public boolean any() {
    return all || !classes.isEmpty();
  }
}
