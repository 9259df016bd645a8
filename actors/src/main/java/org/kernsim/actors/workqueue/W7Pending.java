package org.kernsim.actors.workqueue;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.kernsim.engine.Checker;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.workqueue.WqNote;

/**
 * W7 (spec C.8): an item with PENDING set is in exactly one place: its timer (or in transit from
 * its fired timer to {@code __queue_work()}), a pool's worklist, or a worker's scheduled list. It
 * is never queued while PENDING, a worker starts it only from one of those places (clearing
 * PENDING), and it never runs twice at once (non-reentrancy: {@code assign_work()}).
 */
public final class W7Pending implements Checker {
  private static final int NONE = 0;
  private static final int TIMER = 1;
  private static final int TRANSIT = 2;
  private static final int WORKLIST = 3;
  private static final int SCHEDULED = 4;
  private static final String[] NAMES = {
    "not pending", "on its timer", "fired", "on a worklist", "on a scheduled list"
  };

  /** Per item: its PENDING place, and whether an instance of it is running (bit 8). */
  private final Map<Long, Integer> state = new HashMap<>();

  @Override
  public String name() {
    return "W7";
  }

  @Override
  public Set<Class<?>> observes() {
    return Set.of(
        WqNote.DelayedWorkArmed.class,
        WqNote.DelayedWorkFired.class,
        WqNote.WorkQueued.class,
        WqNote.WorkPunted.class,
        WqNote.WorkStarted.class,
        WqNote.WorkCompleted.class,
        WqNote.BarrierInserted.class);
  }

  @Override
  public void observe(TraceRecord record, Checks checks) {
    Object n = ((TraceRecord.Note) record).note();
    if (n instanceof WqNote.DelayedWorkArmed a) {
      pending(a.item(), record, checks, a.owner(), "queue_delayed_work()", TIMER, NONE);
    } else if (n instanceof WqNote.DelayedWorkFired f) {
      pending(f.item(), record, checks, f.owner(), "delayed_work_timer_fn()", TRANSIT, TIMER);
    } else if (n instanceof WqNote.WorkQueued q) {
      pending(q.item(), record, checks, q.pool(), "insert_work()", WORKLIST, NONE, TRANSIT);
    } else if (n
        instanceof WqNote.BarrierInserted b) { // insert_wq_barrier() sets the barrier's PENDING
      pending(
          b.barrier(),
          record,
          checks,
          b.pool(),
          "insert_wq_barrier()",
          b.worker() < 0 ? WORKLIST : SCHEDULED,
          NONE);
    } else if (n instanceof WqNote.WorkPunted p) {
      pending(
          p.item(),
          record,
          checks,
          p.pool(),
          "assign_work() to the executing worker",
          SCHEDULED,
          WORKLIST);
    } else if (n instanceof WqNote.WorkStarted s) {
      pending(s.item(), record, checks, s.pool(), "process_one_work()", NONE, WORKLIST, SCHEDULED);
      int st = state.getOrDefault(s.item(), NONE);
      if ((st & 256) != 0) {
        checks.violation(
            record.time(),
            s.pool(),
            NoStrandedWork.item(s.item(), checks::name) + " starts while it is already running");
      }
      state.put(s.item(), st | 256);
    } else if (n instanceof WqNote.WorkCompleted c) {
      int st = state.getOrDefault(c.item(), NONE);
      if ((st & 256) == 0) {
        checks.violation(
            record.time(),
            c.pool(),
            NoStrandedWork.item(c.item(), checks::name) + " completes but is not running");
      }
      put(c.item(), st & ~256);
    }
  }

  private void pending(
      long item, TraceRecord r, Checks checks, int entity, String what, int to, int... from) {
    int st = state.getOrDefault(item, NONE);
    int now = st & 255;
    boolean ok = false;
    for (int f : from) ok |= f == now;
    if (!ok) {
      checks.violation(
          r.time(),
          entity,
          what + " on " + NoStrandedWork.item(item, checks::name) + " while it is " + NAMES[now]);
    }
    put(item, (st & 256) | to);
  }

  private void put(long item, int st) {
    if (st == NONE) state.remove(item);
    else state.put(item, st);
  }
}
