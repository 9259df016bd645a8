package org.kernsim.engine;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kernsim.protocol.engine.TraceRecord;

/**
 * The liveness phase (as TigerBeetle's VOPR runs one): at {@code faultsOffAt} every fault stops
 * (the fault plan's, and the models' own: preemptions, CPU hotplug), and within {@code bound} the
 * machine must converge: every {@link Obligation} open when the faults stopped — a queued work
 * item, an optimizer pass, a stop_machine() — must be closed. An obligation still open at {@code
 * faultsOffAt + bound} is a violation that names it, when it was opened and by whom.
 */
public final class Liveness implements Checker {
  public static final String NAME = "Liveness";

  private final long faultsOffAt;
  private final long bound;
  private final List<Obligation> obligations;
  // derived from the obligations (not state: a snapshot leaves them out and they are rebuilt)
  private transient Map<Class<?>, Integer> opening;
  private transient Map<Class<?>, Integer> closing;

  /** Per obligation: key -> {open time, entity}. */
  private final Map<Integer, LinkedHashMap<Long, long[]>> open = new HashMap<>();

  private boolean judged;

  public Liveness(long faultsOffAt, long bound, List<Obligation> obligations) {
    this.faultsOffAt = faultsOffAt;
    this.bound = bound;
    this.obligations = obligations;
  }

  private void index() {
    if (opening != null) return;
    opening = new HashMap<>();
    closing = new HashMap<>();
    for (int i = 0; i < obligations.size(); i++) {
      opening.put(obligations.get(i).opens(), i);
      closing.put(obligations.get(i).closes(), i);
    }
  }

  public long deadline() {
    return SequentialDriver.saturatedAdd(faultsOffAt, bound);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<Class<?>> observes() {
    index();
    Set<Class<?>> s = new HashSet<>(opening.keySet());
    s.addAll(closing.keySet());
    return s;
  }

  @Override
  public void observe(TraceRecord record, Checks checks) {
    index();
    if (!judged && record.time() >= deadline()) judge(checks);
    Object payload =
        record instanceof TraceRecord.Delivered d
            ? d.payload()
            : ((TraceRecord.Note) record).note();
    Integer c = closing.get(payload.getClass());
    if (c != null) {
      LinkedHashMap<Long, long[]> m = open.get(c);
      if (m != null) m.remove(obligations.get(c).key().of(record, payload));
    }
    Integer o = opening.get(payload.getClass());
    if (o != null && record.time() < faultsOffAt) {
      open.computeIfAbsent(o, k -> new LinkedHashMap<>())
          .put(
              obligations.get(o).key().of(record, payload),
              new long[] {record.time(), record.entity()});
    }
  }

  @Override
  public void finish(long endNanos, EndReason reason, Checks checks) {
    if (!judged && endNanos >= deadline()) judge(checks);
  }

  private static String seconds(long ns) {
    return String.format(java.util.Locale.ROOT, "%.6f s", ns / 1e9);
  }

  private void judge(Checks checks) {
    judged = true;
    for (Map.Entry<Integer, LinkedHashMap<Long, long[]>> e : open.entrySet()) {
      if (e.getValue().isEmpty()) continue;
      Obligation ob = obligations.get(e.getKey());
      long[] first = e.getValue().values().iterator().next();
      checks.violation(
          deadline(),
          (int) first[1],
          e.getValue().size()
              + " "
              + ob.what()
              + "(s) still not done "
              + seconds(bound)
              + " after the faults stopped at "
              + seconds(faultsOffAt)
              + " (the first opened at "
              + seconds(first[0])
              + " by "
              + checks.name((int) first[1])
              + ")");
    }
  }
}
