package org.kernsim.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import org.kernsim.protocol.engine.TraceRecord;

/**
 * The observing side of a run, fed the canonical record stream by whichever driver runs it: it
 * hands records to the checkers that observe their class and to the trace observers, and collects
 * violations (fired inside entities, or by checkers) in order.
 */
public final class Observation implements Checker.Checks {

  private final List<Checker> checkers;
  private final Map<Class<?>, List<Checker>> byClass = new HashMap<>();
  private final List<TraceObserver> observers;
  private final IntFunction<String> names;
  private final List<Violation> violations = new ArrayList<>();
  private Checker current;
  private long records;

  // byClass as an open-addressed table by identity hash (a power of two, load <= 1/2): accept runs
  // for every record, and a probe or two beats a HashMap's lookup there
  private final Class<?>[] classes;
  private final Checker[][] interested;

  public Observation(
      List<Checker> checkers, List<TraceObserver> observers, IntFunction<String> names) {
    this.checkers = checkers;
    this.observers = observers;
    this.names = names;
    for (Checker c : checkers) {
      for (Class<?> k : c.observes()) byClass.computeIfAbsent(k, x -> new ArrayList<>()).add(c);
    }
    int n = Integer.highestOneBit(Math.max(1, byClass.size()) * 4 - 1) * 2;
    classes = new Class<?>[n];
    interested = new Checker[n][];
    byClass.forEach(
        (k, cs) -> {
          int i = System.identityHashCode(k) & (n - 1);
          while (classes[i] != null) i = (i + 1) & (n - 1);
          classes[i] = k;
          interested[i] = cs.toArray(new Checker[0]);
        });
  }

  /** The checkers that observe {@code c}, in the order they were given (null: none). */
  private Checker[] interested(Class<?> c) {
    Class<?>[] t = classes;
    int m = t.length - 1;
    for (int i = System.identityHashCode(c) & m; ; i = (i + 1) & m) {
      Class<?> k = t[i];
      if (k == c) return interested[i];
      if (k == null) return null;
    }
  }

  /** What the entities must record so that the checkers and observers see what they need. */
  public RecordFilter filter(boolean recordAll) {
    if (recordAll) return RecordFilter.ALL;
    Set<Class<?>> classes = new HashSet<>(byClass.keySet());
    for (TraceObserver o : observers) if (o.observes() != null) classes.addAll(o.observes());
    return classes.isEmpty() ? RecordFilter.NONE : new RecordFilter(false, Set.copyOf(classes));
  }

  public void accept(TraceRecord r) {
    records++;
    for (TraceObserver o : observers) o.observe(r);
    if (r instanceof TraceRecord.Violation v) {
      violations.add(new Violation(v.checker(), v.time(), names.apply(v.entity()), v.message()));
      return;
    }
    Object payload =
        r instanceof TraceRecord.Delivered d ? d.payload() : ((TraceRecord.Note) r).note();
    Checker[] interested = interested(payload.getClass());
    if (interested == null) return;
    for (Checker c : interested) {
      current = c;
      c.observe(r, this);
    }
    current = null;
  }

  /** Goes on from a snapshot: the violations and the record count observed before it. */
  public void restore(List<Violation> before, long recordsBefore) {
    violations.addAll(before);
    records = recordsBefore;
  }

  public void windowCompleted(long windowEnd) {
    for (TraceObserver o : observers) o.windowCompleted(windowEnd);
  }

  public void finish(long endNanos, EndReason reason) {
    // a run stopped at its snapshot (a fork's prefix) goes on elsewhere: nothing ends here
    if (reason == EndReason.SNAPSHOT) return;
    // an interrupted run was cut short by the user: no end-of-run verdicts
    for (Checker c :
        reason == EndReason.INTERRUPTED || reason == EndReason.SNAPSHOT
            ? List.<Checker>of()
            : checkers) {
      current = c;
      c.finish(endNanos, reason, this);
    }
    current = null;
    for (TraceObserver o : observers) o.finish(endNanos, reason);
  }

  public boolean violated() {
    return !violations.isEmpty();
  }

  public List<Violation> violations() {
    return List.copyOf(violations);
  }

  public List<Checker> checkers() {
    return checkers;
  }

  public long records() {
    return records;
  }

  @Override
  public void violation(long atNanos, int entity, String message) {
    String who = entity < 0 ? "-" : names.apply(entity);
    Violation v = new Violation(current.name(), atNanos, who, message);
    violations.add(v);
    TraceRecord.Violation rec =
        new TraceRecord.Violation(atNanos, entity, -1, current.name(), message);
    for (TraceObserver o : observers) o.observe(rec);
  }

  @Override
  public String name(int entity) {
    return names.apply(entity);
  }
}
