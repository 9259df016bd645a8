package org.kernsim.actors.kprobes;

import java.util.ArrayList;
import java.util.List;

/**
 * The 2026 optimizer kthread's coordination, {@code kernel/kprobes.c} from 73c12f209462 "kprobes:
 * Use dedicated kthread for kprobe optimizer" (v7.0), as plain logic: the atomic {@code
 * optimizer_state} (IDLE, KICKED, FLUSHING), where the thread {@code kprobe-optimizer} is in its
 * loop, and what its flushers wait for: in v7.0 the shared {@code optimizer_completion}, from
 * v7.3-rc4 (merge efb27d47677, "probes-fixes-v7.3-rc4") the pass counter {@code optimizer_passes}.
 *
 * <p>Sources: v7.0 itself was not available here; {@code kernel/kprobes.c} of v7.1.3 was read
 * (github.com/rikudousennin22/linux-7.1.3, commit 6cc9f1942), which still has 73c12f209462's
 * completion-based flush (replaced only in v7.3-rc4; v7.0's own lines were not compared): {@code
 * kprobe_optimizer_thread()} (lines 665-695: wait while IDLE; if KICKED, {@code
 * wait_event_interruptible_timeout(..., state == FLUSHING, OPTIMIZE_DELAY)}; set IDLE; run), {@code
 * kick_kprobe_optimizer()} (698-703), Step 5 (657-659) and {@code
 * wait_for_kprobe_optimizer_locked()} (706-724). The v7.3 pass counter follows the v7.3-rc4 diff
 * (spec A.6.4, [V: diff]).
 *
 * <p>The completion of v7.0: each flusher calls {@code init_completion()} ({@code done = 0}, and
 * the wait queue re-initialised, which drops the sleepers already on it), drops kprobe_mutex and
 * calls {@code wait_for_completion()}; Step 5 calls {@code complete()} only {@code if
 * (completion_done(&optimizer_completion))}, and {@code completion_done()} is true only when {@code
 * done} is not 0 ({@code kernel/sched/completion.c}): {@code done} starts at 0 and only {@code
 * complete()} raises it, so Step 5 never completes it, and a flusher that has to wait sleeps for
 * good (KP-14).
 */
final class OptimizerThread {

  /** {@code optimizer_state}. */
  enum State {
    IDLE,
    KICKED,
    FLUSHING
  }

  /** Where the thread is in its loop. */
  enum Where {
    /** {@code wait_event(kprobe_optimizer_wait, optimizer_state != IDLE)}. */
    SLEEPING,
    /** KICKED: {@code wait_event_timeout(..., optimizer_state == FLUSHING, OPTIMIZE_DELAY)}. */
    DELAYING,
    /** Woken to run; it has not yet set IDLE. */
    WAKING,
    /** In {@code kprobe_optimizer()}. */
    RUNNING
  }

  /** What the host must do. */
  enum Action {
    NONE,
    /** Start the OPTIMIZE_DELAY timed wait. */
    START_DELAY,
    /** Run the optimizer now (a timed wait in progress ends). */
    RUN
  }

  private State state = State.IDLE;
  private Where where = Where.SLEEPING;

  /** {@code optimizer_completion.done} (v7.0). */
  private long done;

  /** Flushers asleep on {@code optimizer_completion}'s wait queue, oldest first. */
  private final List<Long> completionWaiters = new ArrayList<>();

  /** Flushers whose wait-queue entry {@code init_completion()} dropped: nobody can wake them. */
  private final List<Long> orphans = new ArrayList<>();

  /** {@code optimizer_passes} (v7.3). */
  private long passes;

  /**
   * {@code kick_kprobe_optimizer()}: {@code if (atomic_cmpxchg(&optimizer_state, IDLE, KICKED) ==
   * IDLE) wake_up(&kprobe_optimizer_wait)}. Returns whether the kick took (state was IDLE).
   */
  boolean kick() {
    if (state != State.IDLE) return false;
    state = State.KICKED;
    return true;
  }

  /**
   * The flusher's request: {@code atomic_xchg_acquire(&optimizer_state, FLUSHING) != FLUSHING}
   * wakes the thread. Returns whether it wakes it.
   */
  boolean flush() {
    State prev = state;
    state = State.FLUSHING;
    return prev != State.FLUSHING;
  }

  /** {@code wake_up(&kprobe_optimizer_wait)}: the thread re-evaluates what it sleeps on. */
  Action wakeUp() {
    switch (where) {
      case SLEEPING:
        return loopTop();
      case DELAYING:
        if (state == State.FLUSHING) {
          where = Where.WAKING;
          return Action.RUN;
        }
        return Action.NONE;
      default:
        return Action.NONE; // running (or about to): it looks at the state when the run ends
    }
  }

  /** The OPTIMIZE_DELAY timed wait ran out. */
  Action delayExpired() {
    if (where != Where.DELAYING) return Action.NONE;
    where = Where.WAKING;
    return Action.RUN;
  }

  /** The thread runs: {@code atomic_set(&optimizer_state, IDLE); kprobe_optimizer()}. */
  void runStarts() {
    if (where != Where.WAKING)
      throw new IllegalStateException("kprobe-optimizer runs from " + where);
    state = State.IDLE;
    where = Where.RUNNING;
  }

  /** {@code kprobe_optimizer()} returned: back to the top of the loop. */
  Action runEnded() {
    if (where != Where.RUNNING)
      throw new IllegalStateException("kprobe-optimizer run ended while " + where);
    return loopTop();
  }

  private Action loopTop() {
    if (state == State.IDLE) {
      where = Where.SLEEPING;
      return Action.NONE;
    }
    if (state == State.KICKED) {
      where = Where.DELAYING;
      return Action.START_DELAY;
    }
    where = Where.WAKING;
    return Action.RUN;
  }

  // ---------------------------------------------------------------- v7.0: optimizer_completion

  /** {@code init_completion(&optimizer_completion)}: returns how many sleepers it orphaned. */
  int initCompletion() {
    done = 0;
    int n = completionWaiters.size();
    orphans.addAll(completionWaiters);
    completionWaiters.clear();
    return n;
  }

  /**
   * {@code wait_for_completion()} by flusher {@code id}: true if it returns at once ({@code done}
   * was not 0 and is consumed), false if it sleeps.
   */
  boolean waitForCompletion(long id) {
    if (done > 0) {
      done--;
      return true;
    }
    completionWaiters.add(id);
    return false;
  }

  /**
   * Step 5 of v7.0: {@code if (completion_done(&optimizer_completion))
   * complete(&optimizer_completion)}. Returns the flusher {@code complete()} wakes (it consumes the
   * {@code done} it raised), or -1.
   */
  long step5Complete() {
    if (done == 0) return -1; // completion_done(): false while done == 0
    done++; // complete()
    if (completionWaiters.isEmpty()) return -1;
    done--;
    return completionWaiters.remove(0);
  }

  // ---------------------------------------------------------------- v7.3: optimizer_passes

  long passes() {
    return passes;
  }

  /** Step 5 of v7.3: {@code optimizer_passes++} under kprobe_mutex; returns the new count. */
  long step5Pass() {
    return ++passes;
  }

  State state() {
    return state;
  }

  Where where() {
    return where;
  }

  /** Flushers asleep on the completion, reachable or not. */
  int sleepingFlushers() {
    return completionWaiters.size() + orphans.size();
  }
}
