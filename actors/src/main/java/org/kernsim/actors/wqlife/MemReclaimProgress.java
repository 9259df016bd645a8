package org.kernsim.actors.wqlife;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.kernsim.engine.Checker;
import org.kernsim.engine.EndReason;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.workqueue.WqNote;
import org.kernsim.protocol.wqlife.LifeNote;

/**
 * The forward-progress guarantee of a WQ_MEM_RECLAIM workqueue: every item queued on it starts
 * within {@code wq.progress-bound}, however long creating a kworker takes ({@code
 * maybe_create_worker()} stuck in the allocator): after MAYDAY_INITIAL_TIMEOUT the pool's {@code
 * pool_mayday_timeout()} calls the workqueue's rescuer, which runs the items itself. Only the items
 * of the workqueue under test (queued by the workload threads) count; an item waiting on {@code
 * pwq->inactive_works} ({@code max_active}) is waiting too. Metrics: {@code workWaitMaxNanos}
 * (queue to start, every item of the workqueue), {@code itemsStartedByRescuer}.
 */
public final class MemReclaimProgress implements Checker {
  private final int userBase;
  private final int users;
  private final long bound;
  private final Map<Long, Long> queuedAt = new HashMap<>();
  private long maxWait;
  private long rescued;
  private boolean fired;

  public MemReclaimProgress(int userBase, int users, long boundNanos) {
    this.userBase = userBase;
    this.users = users;
    this.bound = boundNanos;
  }

  @Override
  public String name() {
    return "MemReclaimProgress";
  }

  @Override
  public Set<Class<?>> observes() {
    return Set.of(
        WqNote.WorkQueued.class,
        LifeNote.ItemInactive.class,
        WqNote.WorkStarted.class,
        LifeNote.Rescued.class);
  }

  private boolean ours(long item) {
    long owner = item >>> 32;
    return owner >= userBase && owner < userBase + users;
  }

  @Override
  public void observe(TraceRecord record, Checks checks) {
    Object n = ((TraceRecord.Note) record).note();
    long item;
    boolean start;
    if (n instanceof WqNote.WorkQueued q) {
      item = q.item();
      start = false;
    } else if (n instanceof LifeNote.ItemInactive q) {
      item = q.item();
      start = false;
    } else if (n instanceof WqNote.WorkStarted s) {
      item = s.item();
      start = true;
    } else if (n instanceof LifeNote.Rescued s) {
      item = s.item();
      start = true;
      if (ours(item)) rescued++;
    } else {
      return;
    }
    if (!ours(item)) return;
    if (!start) {
      queuedAt.putIfAbsent(item, record.time());
      return;
    }
    Long at = queuedAt.remove(item);
    if (at == null) return;
    long wait = record.time() - at;
    maxWait = Math.max(maxWait, wait);
    if (wait > bound && !fired) {
      fired = true;
      checks.violation(
          record.time(), record.entity(), message(item, wait, checks, "started only after"));
    }
  }

  private String message(long item, long wait, Checks checks, String what) {
    return String.format(
        Locale.ROOT,
        "%s#%d %s %.3f ms (bound %.3f ms): the workqueue's forward progress does not hold",
        checks.name((int) (item >>> 32)),
        item & 0xFFFF_FFFFL,
        what,
        wait / 1e6,
        bound / 1e6);
  }

  @Override
  public void finish(long endNanos, EndReason reason, Checks checks) {
    if (fired) return;
    for (Map.Entry<Long, Long> e : new java.util.TreeMap<>(queuedAt).entrySet()) {
      long wait = endNanos - e.getValue();
      if (wait > bound) {
        fired = true;
        checks.violation(endNanos, -1, message(e.getKey(), wait, checks, "has not started after"));
        return;
      }
    }
  }

  @Override
  public void contribute(Map<String, Object> metrics) {
    metrics.put("workWaitMaxNanos", maxWait);
    metrics.put("itemsStartedByRescuer", rescued);
  }
}
