package org.kernsim.engine;

import java.util.HashSet;
import java.util.Set;

/**
 * The abstract states ({@link AbstractState}) one run reached, and the transitions between them,
 * per entity class: a state is {@code (class, digest)}, a transition {@code (class, from, to)} with
 * {@code from != to}, each kept as a 64-bit key. The driver feeds it after every delivered event to
 * an entity that declares an abstract state.
 */
public final class Coverage {
  private final Set<Long> states = new HashSet<>();
  private final Set<Long> transitions = new HashSet<>();
  private long[] last;
  private boolean[] known;

  /** Starts following {@code entity} (just created or restored) at {@code now}. */
  public void init(int entity, Entity logic, long now) {
    if (!(logic instanceof AbstractState a)) return;
    ensure(entity);
    long s = key(logic, a.abstractState(now));
    last[entity] = s;
    known[entity] = true;
    states.add(s);
  }

  /** {@code entity} handled an event at {@code now}. */
  public void visit(int entity, Entity logic, long now) {
    if (!(logic instanceof AbstractState a)) return;
    ensure(entity);
    long s = key(logic, a.abstractState(now));
    if (known[entity]) {
      long prev = last[entity];
      if (prev == s) return;
      transitions.add(AbstractState.mix(prev, s));
    }
    last[entity] = s;
    known[entity] = true;
    states.add(s);
  }

  private static long key(Entity logic, long state) {
    return AbstractState.mix(logic.getClass().getName().hashCode(), state);
  }

  private void ensure(int entity) {
    if (last == null || entity >= last.length) {
      int n = Math.max(entity + 1, last == null ? 64 : last.length * 2);
      last = last == null ? new long[n] : java.util.Arrays.copyOf(last, n);
      known = known == null ? new boolean[n] : java.util.Arrays.copyOf(known, n);
    }
  }

  public Set<Long> states() {
    return states;
  }

  public Set<Long> transitions() {
    return transitions;
  }
}
