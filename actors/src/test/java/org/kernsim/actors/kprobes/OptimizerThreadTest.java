package org.kernsim.actors.kprobes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.kernsim.actors.kprobes.OptimizerThread.Action;
import org.kernsim.actors.kprobes.OptimizerThread.State;
import org.kernsim.actors.kprobes.OptimizerThread.Where;

/** The v7.0 optimizer kthread's state machine and the two flushes (v7.0 completion, v7.3 count). */
class OptimizerThreadTest {

  @Test
  void aKickWakesTheThreadIntoItsDelayAndAKickWhileKickedIsANoOp() {
    OptimizerThread t = new OptimizerThread();
    assertTrue(t.kick());
    assertEquals(Action.START_DELAY, t.wakeUp());
    assertEquals(Where.DELAYING, t.where());
    assertFalse(t.kick(), "cmpxchg(IDLE, KICKED) fails: already KICKED");
    assertEquals(Action.RUN, t.delayExpired());
    t.runStarts();
    assertEquals(State.IDLE, t.state(), "atomic_set(IDLE) before kprobe_optimizer()");
    assertEquals(Action.NONE, t.runEnded());
    assertEquals(Where.SLEEPING, t.where());
  }

  @Test
  void aKickDuringARunMakesTheThreadDelayAgainAfterIt() {
    OptimizerThread t = new OptimizerThread();
    t.kick();
    t.wakeUp();
    t.delayExpired();
    t.runStarts();
    assertTrue(t.kick(), "the run set IDLE: Step 5's (or a caller's) kick takes");
    assertEquals(Action.NONE, t.wakeUp(), "the thread is running: it looks when the run ends");
    assertEquals(Action.START_DELAY, t.runEnded());
  }

  @Test
  void aFlushCutsTheDelayShortAndASecondFlushDoesNotWakeAgain() {
    OptimizerThread t = new OptimizerThread();
    t.kick();
    t.wakeUp();
    assertTrue(t.flush(), "KICKED -> FLUSHING: wake_up()");
    assertEquals(Action.RUN, t.wakeUp(), "wait_event_timeout(state == FLUSHING) returns");
    assertFalse(t.flush(), "already FLUSHING: no wake_up()");
    t.runStarts();
    assertEquals(Action.NONE, t.runEnded());
  }

  @Test
  void v70sStep5NeverCompletesTheCompletionAFlusherSleepsOn() {
    OptimizerThread t = new OptimizerThread();
    assertEquals(0, t.initCompletion());
    assertFalse(t.waitForCompletion(1), "done == 0: the flusher sleeps");
    for (int pass = 0; pass < 3; pass++)
      assertEquals(-1, t.step5Complete(), "completion_done() is false while done == 0");
    assertEquals(1, t.sleepingFlushers());
    // a second flusher's init_completion() drops the first from the wait queue
    assertEquals(1, t.initCompletion());
    assertFalse(t.waitForCompletion(2));
    assertEquals(2, t.sleepingFlushers());
  }

  @Test
  void v73sPassCounterMovesOncePerRun() {
    OptimizerThread t = new OptimizerThread();
    long seen = t.passes();
    assertEquals(seen + 1, t.step5Pass());
    assertEquals(seen + 2, t.step5Pass());
  }
}
