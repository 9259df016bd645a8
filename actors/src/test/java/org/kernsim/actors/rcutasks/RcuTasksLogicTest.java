package org.kernsim.actors.rcutasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code synchronize_rcu_tasks()}'s grace periods and the exit path's SRCU readers (KP-11). */
class RcuTasksLogicTest {

  private static void runToEnd(RcuTasksLogic l) {
    l.toHoldout();
    l.toPostgp();
  }

  @Test
  void aRequestDuringAGracePeriodWaitsForTheNextOne() {
    RcuTasksLogic l = new RcuTasksLogic(false);
    assertTrue(l.request(1, 10), "nothing in progress: start");
    assertFalse(l.request(2, 20), "one grace period at a time");
    assertTrue(l.pregpDone(), "no exit SRCU: the postscan does not wait");
    runToEnd(l);
    assertEquals(List.of(new RcuTasksLogic.Waiter(1, 10)), l.postgpDone());
    assertEquals(RcuTasksLogic.Phase.PREGP, l.phase(), "the waiting request starts the next");
    assertEquals(2, l.gp());
    assertTrue(l.pregpDone());
    runToEnd(l);
    assertEquals(List.of(new RcuTasksLogic.Waiter(2, 20)), l.postgpDone());
    assertEquals(RcuTasksLogic.Phase.IDLE, l.phase());
  }

  @Test
  void thePostscanWaitsForAnExitingTaskThatEnteredBeforeIt() {
    RcuTasksLogic l = new RcuTasksLogic(true);
    l.exitStart(7); // exit_tasks_rcu_start(): __srcu_read_lock(&tasks_rcu_exit_srcu)
    l.request(1, 10);
    assertFalse(l.pregpDone(), "synchronize_srcu() waits for task 7");
    assertEquals(RcuTasksLogic.Phase.POSTSCAN, l.phase());
    l.exitStart(8); // entered after the postscan began: not waited for
    assertTrue(l.exitFinish(7), "task 7 leaves: the postscan goes on");
    assertEquals(1, l.readers());
    l.toHoldout();
    l.toPostgp();
    assertEquals(1, l.postgpDone().size());
  }

  @Test
  void withoutTheExitSrcuAnExitingTaskDoesNotHoldTheGracePeriod() {
    RcuTasksLogic l = new RcuTasksLogic(false); // v6.13: exiting tasks are holdouts on a list
    l.exitStart(7);
    l.request(1, 10);
    assertTrue(l.pregpDone());
  }

  @Test
  void phasesAreTakenInOrder() {
    RcuTasksLogic l = new RcuTasksLogic(false);
    assertThrows(IllegalStateException.class, l::pregpDone, "nothing requested");
    l.request(1, 1);
    assertThrows(IllegalStateException.class, l::toPostgp);
  }
}
