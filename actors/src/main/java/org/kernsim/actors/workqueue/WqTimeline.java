package org.kernsim.actors.workqueue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.kernsim.engine.TimelineSpec;
import org.kernsim.engine.Violation;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.workqueue.WqNote;

/**
 * The workqueue timeline, in the spirit of the seed's CPU A / CPU B table: one column per CPU (the
 * CPU each step ran on), one row per step of the pool the violation is about (locks, picks,
 * wake-ups, idle entries, the cull, {@code set_worker_dying()}, WORKER_DIE seen...).
 */
public final class WqTimeline implements TimelineSpec {
  private static final int ROWS = 60;
  private static final long WINDOW = 50_000_000L;
  private final WqTopology topo;
  private final long strandingBound;

  public WqTimeline(WqTopology topo, long strandingBound) {
    this.topo = topo;
    this.strandingBound = strandingBound;
  }

  @Override
  public List<TraceRecord> select(List<TraceRecord> records, Violation v) {
    int pool = -1;
    for (int p = 0; p < topo.pools; p++)
      if (topo.name(topo.pool(p)).equals(v.entity())) pool = topo.pool(p);
    // where the story starts: the pick of the culled worker, or a little before the stranding
    int victim = -1;
    long start = v.atNanos() - WINDOW;
    if (v.checker().equals("NoKickedWorkerCulled")) {
      String who = v.message().split(" ", 2)[0];
      for (int e = 0; e < topo.entityCount(); e++)
        if (topo.isWorker(e) && topo.name(e).equals(who)) victim = e;
      for (TraceRecord r : records) {
        if (r.time() > v.atNanos()) break;
        if (r instanceof TraceRecord.Note n
            && n.note() instanceof WqNote.Kicked k
            && k.worker() == victim
            && !k.repeat()) {
          start = r.time();
        }
      }
    } else if (v.checker().equals("NoStrandedWork")) {
      start = v.atNanos() - strandingBound - 2_000_000L;
    }
    List<TraceRecord> out = new ArrayList<>();
    for (TraceRecord r : records) {
      if (r.time() > v.atNanos()) break;
      if (r.time() < start) continue;
      if (!(r instanceof TraceRecord.Note n) || !(n.note() instanceof WqNote note)) continue;
      if (note instanceof WqNote.PoolState) continue;
      if (note instanceof WqNote.Kicked k && k.repeat() && k.worker() != victim)
        continue; // coalesced, no news
      if (pool < 0 || poolOf(note) == pool) out.add(r);
    }
    if (out.size() > ROWS) out = new ArrayList<>(out.subList(out.size() - ROWS, out.size()));
    // the violation as the run reported it, as the last row (a rerun may word it differently)
    out.add(new TraceRecord.Violation(v.atNanos(), pool, Long.MAX_VALUE, v.checker(), v.message()));
    return out;
  }

  private int poolOf(WqNote n) {
    if (n instanceof WqNote.WorkQueued x) return x.pool();
    if (n instanceof WqNote.Kicked x) return x.pool();
    if (n instanceof WqNote.DeferredWake x) return x.pool();
    if (n instanceof WqNote.WokeUp x) return x.pool();
    if (n instanceof WqNote.EnteredIdle x) return x.pool();
    if (n instanceof WqNote.WorkStarted x) return x.pool();
    if (n instanceof WqNote.WorkPunted x) return x.pool();
    if (n instanceof WqNote.WorkCompleted x) return x.pool();
    if (n instanceof WqNote.WorkerSleepingNote x) return x.pool();
    if (n instanceof WqNote.ManagerStarted x) return x.pool();
    if (n instanceof WqNote.WorkerCreated x) return x.pool();
    if (n instanceof WqNote.IdleTimeout x) return x.pool();
    if (n instanceof WqNote.CullPass x) return x.pool();
    if (n instanceof WqNote.WorkerDying x) return x.pool();
    if (n instanceof WqNote.DieSeen x) return x.pool();
    if (n instanceof WqNote.WorkerReaped x) return x.pool();
    if (n instanceof WqNote.WakeAfterExit x)
      return topo.isWorker(x.worker()) ? topo.pool(topo.poolOfWorker(x.worker())) : -1;
    if (n instanceof WqNote.DelayedWorkArmed x) return x.pool();
    if (n instanceof WqNote.DelayedWorkFired x) return x.pool();
    if (n instanceof WqNote.ManagerEarlyExit x) return x.pool();
    if (n instanceof WqNote.CpuIntensiveSet x) return x.pool();
    if (n instanceof WqNote.WorkersDetached x) return x.pool();
    if (n instanceof WqNote.WakingUp x) return x.pool();
    return -1;
  }

  @Override
  public String column(TraceRecord r) {
    if (r instanceof TraceRecord.Violation) return "invariant";
    Object n = ((TraceRecord.Note) r).note();
    int cpu = cpuOf(n);
    return cpu < 0 ? topo.name(r.entity()) : "CPU " + cpu;
  }

  private static int cpuOf(Object n) {
    if (n instanceof WqNote.WorkQueued x) return x.cpu();
    if (n instanceof WqNote.Kicked x) return x.cpu();
    if (n instanceof WqNote.DeferredWake x) return x.cpu();
    if (n instanceof WqNote.WokeUp x) return x.cpu();
    if (n instanceof WqNote.EnteredIdle x) return x.cpu();
    if (n instanceof WqNote.WorkStarted x) return x.cpu();
    if (n instanceof WqNote.WorkPunted x) return x.cpu();
    if (n instanceof WqNote.WorkCompleted x) return x.cpu();
    if (n instanceof WqNote.WorkerSleepingNote x) return x.cpu();
    if (n instanceof WqNote.ManagerStarted x) return x.cpu();
    if (n instanceof WqNote.WorkerCreated x) return x.cpu();
    if (n instanceof WqNote.IdleTimeout x) return x.cpu();
    if (n instanceof WqNote.CullPass x) return x.cpu();
    if (n instanceof WqNote.WorkerDying x) return x.cpu();
    if (n instanceof WqNote.DieSeen x) return x.cpu();
    if (n instanceof WqNote.WorkerReaped x) return x.cpu();
    if (n instanceof WqNote.DelayedWorkArmed x) return x.cpu();
    if (n instanceof WqNote.DelayedWorkFired x) return x.cpu();
    if (n instanceof WqNote.ManagerEarlyExit x) return x.cpu();
    if (n instanceof WqNote.CpuIntensiveSet x) return x.cpu();
    if (n instanceof WqNote.WorkersDetached x) return x.cpu();
    return -1;
  }

  @Override
  public String cell(TraceRecord r) {
    if (r instanceof TraceRecord.Violation v)
      return "VIOLATION " + v.checker() + ": " + v.message();
    return text(((TraceRecord.Note) r).note());
  }

  /** A workqueue note in the timeline's words (for timelines of models layered on the pools). */
  public String describe(Object note) {
    return text(note);
  }

  /** The CPU a workqueue note's step ran on, or -1. */
  public static int cpuOfNote(Object note) {
    return cpuOf(note);
  }

  /** The pool entity a workqueue note is about, or -1. */
  public int poolOfNote(WqNote note) {
    return poolOf(note);
  }

  private String n(int entity) {
    return topo.name(entity);
  }

  private String text(Object o) {
    if (o instanceof WqNote.WorkQueued x) {
      return n(x.requester())
          + ": __queue_work: lock "
          + n(x.pool())
          + ", insert_work "
          + NoStrandedWork.item(x.item(), topo::name)
          + " (worklist "
          + x.worklist()
          + ")";
    }
    if (o instanceof WqNote.Kicked x) {
      StringBuilder sb = new StringBuilder("kick_pool: picks ").append(n(x.worker()));
      if (x.repeat()) sb.append(" again (picked, not yet run)");
      if (x.expired()) sb.append(", idle > IDLE_WORKER_TIMEOUT");
      if (x.claimed()) sb.append(", worker_leave_idle (claimed)");
      if (x.parked()) sb.append(", parked on kicked_list");
      sb.append(x.deferred() ? "; wake deferred past unlock" : "; wake_up_process; unlock");
      return sb.toString();
    }
    if (o instanceof WqNote.DeferredWake x) {
      return n(x.waker())
          + ": after unlock: wake_up_process("
          + n(x.worker())
          + ")"
          + (x.pinned() ? " [task ref held]" : " [bare pointer]");
    }
    if (o instanceof WqNote.WokeUp x) {
      return n(x.worker())
          + " runs: woke_up: lock "
          + n(x.pool())
          + (x.die()
              ? ", WORKER_DIE set"
              : (x.wasIdle() ? ", worker_leave_idle" : ", already claimed"));
    }
    if (o instanceof WqNote.EnteredIdle x) {
      return n(x.worker())
          + ": worker_enter_idle (idle_list head, nr_idle "
          + x.nrIdle()
          + "), TASK_IDLE, unlock"
          + (x.worklist() > 0 ? " [worklist " + x.worklist() + "]" : "");
    }
    if (o instanceof WqNote.WorkStarted x) {
      return n(x.worker())
          + ": process_one_work "
          + NoStrandedWork.item(x.item(), topo::name)
          + " (worklist "
          + x.worklist()
          + "), unlock";
    }
    if (o instanceof WqNote.WorkPunted x) {
      return "assign_work: "
          + NoStrandedWork.item(x.item(), topo::name)
          + " is running on "
          + n(x.worker())
          + ": onto its scheduled list";
    }
    if (o instanceof WqNote.WorkCompleted x) {
      return n(x.worker())
          + ": "
          + NoStrandedWork.item(x.item(), topo::name)
          + " done, lock "
          + n(x.pool());
    }
    if (o instanceof WqNote.WorkerSleepingNote x) {
      return n(x.worker()) + " blocks: wq_worker_sleeping, nr_running " + x.nrRunning();
    }
    if (o instanceof WqNote.ManagerStarted x) {
      return n(x.worker()) + ": manage_workers, unlock, create_worker...";
    }
    if (o instanceof WqNote.WorkerCreated x) {
      return "create_worker: " + n(x.worker()) + " attached, idle at head, woken";
    }
    if (o instanceof WqNote.IdleTimeout x) {
      if (x.cull())
        return "idle_timer of "
            + n(x.pool())
            + ": tail expired, queue idle_cull_work on system_unbound_wq";
      if (x.cullPending()) return "idle_timer of " + n(x.pool()) + ": idle_cull_work pending";
      return "idle_timer of "
          + n(x.pool())
          + (x.rearmJiffies() >= 0 ? ": tail not expired, re-armed" : ": not too many workers");
    }
    if (o instanceof WqNote.CullPass x) {
      return "idle_cull_fn: "
          + x.culled()
          + " culled, nr_idle "
          + x.nrIdle()
          + ", nr_workers "
          + x.nrWorkers()
          + "; unlock "
          + n(x.pool());
    }
    if (o instanceof WqNote.WorkerDying x) {
      return "idle_cull_fn: lock "
          + n(x.pool())
          + ", too_many_workers, tail "
          + n(x.worker())
          + " expired: set_worker_dying"
          + (x.runnable() ? " (it was KICKED and has NOT RUN)" : "");
    }
    if (o instanceof WqNote.DieSeen x) {
      return n(x.worker())
          + ": WORKER_DIE: unlock, return 0"
          + (x.worklist() > 0 ? " (worklist " + x.worklist() + " untouched)" : "");
    }
    if (o instanceof WqNote.WorkerReaped x) {
      return "reap_dying_workers: kthread_stop_put(" + n(x.worker()) + ")";
    }
    if (o instanceof WqNote.WakeAfterExit x) {
      return "wake-up from "
          + n(x.waker())
          + " reaches exited "
          + n(x.worker())
          + (x.pinned() ? " (ref held)" : " (bare)");
    }
    if (o instanceof WqNote.DelayedWorkArmed x) {
      return n(x.owner())
          + ": queue_delayed_work "
          + NoStrandedWork.item(x.item(), topo::name)
          + String.format(Locale.ROOT, " (+%.3f ms)", x.delayNanos() / 1e6);
    }
    if (o instanceof WqNote.DelayedWorkFired x) {
      return "delayed_work_timer_fn " + NoStrandedWork.item(x.item(), topo::name);
    }
    if (o instanceof WqNote.ManagerEarlyExit x) {
      return n(x.worker())
          + ": manage_workers: maybe_create_worker: !need_to_create_worker() (nr_running "
          + x.nrRunning()
          + ", nr_idle "
          + x.nrIdle()
          + "): return false; goes on to run work";
    }
    if (o instanceof WqNote.CpuIntensiveSet x) {
      return "wq_worker_tick: "
          + n(x.worker())
          + " hogs the CPU with "
          + NoStrandedWork.item(x.item(), topo::name)
          + ": WORKER_CPU_INTENSIVE (nr_running "
          + x.nrRunning()
          + "), kick_pool";
    }
    if (o instanceof WqNote.WakingUp x) {
      return n(x.worker())
          + " woken (I/O done, another CPU): wq_worker_waking_up: nr_running++ ("
          + x.nrRunning()
          + "), no pool->lock";
    }
    if (o instanceof WqNote.WorkersDetached x) {
      StringBuilder sb = new StringBuilder("detach_dying_workers:");
      for (int w : x.workers()) sb.append(' ').append(n(w));
      return sb.append("; mutex_unlock(wq_pool_attach_mutex)").toString();
    }
    return o.toString();
  }
}
