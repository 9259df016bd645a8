package org.kernsim.actors.kprobes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.kernsim.engine.Checker;
import org.kernsim.engine.EndReason;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.workqueue.WqNote;

/**
 * KX-2 (with {@code kprobes.optimizer=workqueue}): while {@code kprobe_optimizer()} sleeps on a
 * kworker (grace period, stop_machine, kprobe_mutex), the other {@code system_wq} items of its pool
 * keep running, because {@code wq_worker_sleeping()} kicks another kworker. Fires when an other
 * work item waits longer than {@code kprobes.other-work.latency-bound} between {@code
 * insert_work()} and {@code process_one_work()} (or never starts). Also measures {@code
 * optimizing_work} itself: from {@code insert_work()} to its kworker calling the function (KX-1: a
 * stranded optimizer would show here and in NoStrandedWork).
 */
final class OtherWorkLatency implements Checker {
  private final int otherWork;
  private final int manager;
  private final long bound;
  private final Map<Long, Long> queuedAt = new HashMap<>();
  private final List<Long> latencies = new ArrayList<>();

  /** Per pool: the kworker running optimizing_work's function, or -1. */
  private final Map<Integer, Integer> optimizerOn = new HashMap<>();

  private long startedWhileOptimizerRuns;
  private long late;
  private long optimizerQueuedAt = -1;
  private long optimizerWaitMax;
  private long optimizerRuns;

  OtherWorkLatency(KprobesSim sim) {
    this.otherWork = sim.otherWork();
    this.manager = sim.manager();
    this.bound = sim.config().otherWork().latencyBound();
  }

  @Override
  public String name() {
    return "KX2_OtherWorkKeepsRunning";
  }

  @Override
  public Set<Class<?>> observes() {
    return Set.of(
        WqNote.WorkQueued.class,
        WqNote.WorkStarted.class,
        WqNote.ExternalCalled.class,
        WqNote.WorkCompleted.class);
  }

  private boolean other(long item) {
    return otherWork >= 0 && (int) (item >>> 32) == otherWork;
  }

  private boolean optimizer(long item) {
    return item == ((long) manager << 32);
  }

  @Override
  public void observe(TraceRecord record, Checks checks) {
    Object n = ((TraceRecord.Note) record).note();
    if (n instanceof WqNote.WorkQueued q) {
      if (other(q.item())) queuedAt.put(q.item(), record.time());
      else if (optimizer(q.item()) && optimizerQueuedAt < 0) optimizerQueuedAt = record.time();
    } else if (n instanceof WqNote.WorkStarted s) {
      Long at = queuedAt.remove(s.item());
      if (at != null) {
        long waited = record.time() - at;
        latencies.add(waited);
        if (optimizerOn.getOrDefault(s.pool(), -1) >= 0) startedWhileOptimizerRuns++;
        if (waited > bound) {
          late++;
          checks.violation(
              record.time(),
              s.pool(),
              "other system_wq item "
                  + checks.name((int) (s.item() >>> 32))
                  + "#"
                  + (s.item() & 0xFFFF_FFFFL)
                  + " waited "
                  + ms(waited)
                  + " on "
                  + checks.name(s.pool())
                  + " before a kworker ran it; bound "
                  + ms(bound));
        }
      }
    } else if (n instanceof WqNote.ExternalCalled c) {
      if (optimizer(c.item())) {
        optimizerOn.put(c.pool(), c.worker());
        optimizerRuns++;
        if (optimizerQueuedAt >= 0)
          optimizerWaitMax = Math.max(optimizerWaitMax, record.time() - optimizerQueuedAt);
        optimizerQueuedAt = -1;
      }
    } else if (n instanceof WqNote.WorkCompleted c) {
      if (optimizer(c.item())) optimizerOn.put(c.pool(), -1);
    }
  }

  @Override
  public void finish(long endNanos, EndReason reason, Checks checks) {
    if (reason == EndReason.VIOLATION) return;
    for (Map.Entry<Long, Long> e :
        queuedAt.entrySet().stream().sorted(Map.Entry.comparingByKey()).toList()) {
      long waited = endNanos - e.getValue();
      if (waited > bound) {
        late++;
        checks.violation(
            Math.min(endNanos, e.getValue() + bound),
            otherWork,
            "other system_wq item #"
                + (e.getKey() & 0xFFFF_FFFFL)
                + " never started ("
                + ms(waited)
                + " when the run ended); bound "
                + ms(bound));
        return;
      }
    }
  }

  private static String ms(long nanos) {
    return String.format(Locale.ROOT, "%.3f ms", nanos / 1e6);
  }

  @Override
  public void contribute(Map<String, Object> metrics) {
    metrics.put("optimizingWork.runs", optimizerRuns);
    metrics.put("optimizingWork.queuedToCallMaxNanos", optimizerWaitMax);
    if (otherWork < 0) return;
    long[] l = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
    metrics.put("otherWork.started", (long) l.length);
    metrics.put("otherWork.startedWhileOptimizerRuns", startedWhileOptimizerRuns);
    metrics.put("otherWork.late", late);
    metrics.put("otherWork.queuedToStartP50Nanos", pct(l, 50));
    metrics.put("otherWork.queuedToStartP99Nanos", pct(l, 99));
    metrics.put("otherWork.queuedToStartMaxNanos", l.length == 0 ? 0L : l[l.length - 1]);
  }

  private static long pct(long[] sorted, double p) {
    if (sorted.length == 0) return 0;
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }
}
