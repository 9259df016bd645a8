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
  private final java.util.LinkedHashMap<Long, Long> firstAt;

  /** A coverage of one run. */
  public Coverage() {
    this(false);
  }

  /**
   * A coverage of one run; with {@code times}, it also keeps when each state and transition was
   * first reached in the run (a coverage-guided exploration forks there, {@link #firstOutside}).
   */
  public Coverage(boolean times) {
    this.firstAt = times ? new java.util.LinkedHashMap<>() : null;
  }

  /**
   * The virtual time at which this run first reached a state or transition not in {@code known}, or
   * -1 if it reached none (only with {@code times}).
   */
  public long firstOutside(Set<Long> known) {
    return firstOutside(k -> known.contains(k));
  }

  /** {@link #firstOutside(Set)} with the known keys as a predicate (no boxing). */
  public long firstOutside(java.util.function.LongPredicate known) {
    if (firstAt == null) throw new IllegalStateException("a coverage without times");
    // in the order first reached, so at nondecreasing times
    for (java.util.Map.Entry<Long, Long> e : firstAt.entrySet())
      if (!known.test(e.getKey())) return e.getValue();
    return -1;
  }

  /** Starts following {@code entity} (just created or restored) at {@code now}. */
  public void init(int entity, Entity logic, long now) {
    if (!(logic instanceof AbstractState a)) return;
    ensure(entity);
    long s = key(logic, a.abstractState(now));
    last[entity] = s;
    known[entity] = true;
    if (states.add(s) && firstAt != null) firstAt.putIfAbsent(s, now);
  }

  /** {@code entity} handled an event at {@code now}. */
  public void visit(int entity, Entity logic, long now) {
    if (!(logic instanceof AbstractState a)) return;
    ensure(entity);
    long s = key(logic, a.abstractState(now));
    if (known[entity]) {
      long prev = last[entity];
      if (prev == s) return;
      long t = AbstractState.mix(prev, s);
      if (transitions.add(t) && firstAt != null) firstAt.putIfAbsent(t, now);
    }
    last[entity] = s;
    known[entity] = true;
    if (states.add(s) && firstAt != null) firstAt.putIfAbsent(s, now);
  }

  private static long key(Entity logic, long state) {
    return AbstractState.mix(CLASS_KEY.get(logic.getClass()), state);
  }

  /** Each class's name's hash, once (the key of a state after every event; the same value). */
  private static final ClassValue<Long> CLASS_KEY =
      new ClassValue<>() {
        @Override
        protected Long computeValue(Class<?> c) {
          return (long) c.getName().hashCode();
        }
      };

  private void ensure(int entity) {
    if (last == null || entity >= last.length) {
      int n = Math.max(entity + 1, last == null ? 64 : last.length * 2);
      last = last == null ? new long[n] : java.util.Arrays.copyOf(last, n);
      known = known == null ? new boolean[n] : java.util.Arrays.copyOf(known, n);
    }
  }

  /** Each state and transition reached, with the time first reached, in that order (with times). */
  public java.util.Map<Long, Long> firstReached() {
    if (firstAt == null) throw new IllegalStateException("a coverage without times");
    return java.util.Collections.unmodifiableMap(firstAt);
  }

  public Set<Long> states() {
    return states;
  }

  public Set<Long> transitions() {
    return transitions;
  }
}
