package org.kernsim.actors.workqueue;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import org.kernsim.engine.Checker;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.workqueue.WqNote;

/**
 * WQ-2's second hazard: a wake-up deferred past {@code pool->lock} must not reach a worker that
 * {@code reap_dying_workers()} has already {@code kthread_stop_put()} (its task may be freed). With
 * a bare task pointer (v1 2/2) that is a use-after-free: a violation. With a reference ({@code
 * wake_q}, {@code workqueue.deferred-wake-ref=pinned}) it is harmless: it is only counted ({@code
 * wakesOfReapedWorkersPinned}).
 */
public final class NoWakeOfReapedWorker implements Checker {
  private final long[] reapedUpTo;
  private final long[] reapedAt;
  private long pinned;
  private long bare;

  public NoWakeOfReapedWorker(int entities) {
    reapedUpTo = new long[entities];
    reapedAt = new long[entities];
    Arrays.fill(reapedUpTo, -1);
  }

  @Override
  public String name() {
    return "NoWakeOfReapedWorker";
  }

  @Override
  public Set<Class<?>> observes() {
    return Set.of(WqNote.DeferredWake.class, WqNote.WorkerReaped.class);
  }

  @Override
  public void observe(TraceRecord record, Checks checks) {
    Object n = ((TraceRecord.Note) record).note();
    if (n instanceof WqNote.WorkerReaped r) {
      reapedUpTo[r.worker()] = Math.max(reapedUpTo[r.worker()], r.incarnation());
      reapedAt[r.worker()] = record.time();
    } else if (n instanceof WqNote.DeferredWake w) {
      if (reapedUpTo[w.worker()] < w.incarnation()) return;
      if (w.pinned()) {
        pinned++;
        return;
      }
      bare++;
      checks.violation(
          record.time(),
          w.pool(),
          checks.name(w.waker())
              + " calls wake_up_process() on "
              + checks.name(w.worker())
              + " through a bare task pointer taken under pool->lock, but the cull reaped that task "
              + String.format(
                  java.util.Locale.ROOT, "%.3f", (record.time() - reapedAt[w.worker()]) / 1e6)
              + " ms ago (use-after-free)");
    }
  }

  @Override
  public void contribute(Map<String, Object> metrics) {
    metrics.put("wakesOfReapedWorkersPinned", pinned);
    metrics.put("wakesOfReapedWorkersBare", bare);
  }
}
