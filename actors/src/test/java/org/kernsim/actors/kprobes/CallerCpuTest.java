package org.kernsim.actors.kprobes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The pure logic of "a caller's kernel code runs on the caller's CPU" ({@link CallerCpu}). */
class CallerCpuTest {

  private static final int ADMIN = 8;
  private static final int OPTIMIZER = 7;

  @Test
  void aCallerHoldsItsCpuUntilTheFunctionSleepsAndGoesOnOnlyOnceItIsBack() {
    CallerCpu c = new CallerCpu();
    c.enter(ADMIN, 4);
    assertTrue(c.isCaller(ADMIN));
    assertTrue(c.holdsCpu(ADMIN), "the caller runs the function on its CPU");
    // an uncontended wait (a text_mutex round trip, text_poke()): the caller never left its CPU
    assertEquals(CallerCpu.Resume.NOW, c.resume(ADMIN));
    // mutex_lock() contended: the caller is told to sleep
    assertTrue(c.sleeps(ADMIN));
    assertFalse(c.holdsCpu(ADMIN));
    // the unlock: wake it; the function does not go on before the caller is back on its CPU
    assertEquals(CallerCpu.Resume.WAKE_CALLER, c.resume(ADMIN));
    assertFalse(c.holdsCpu(ADMIN));
    assertFalse(c.onCpu(ADMIN, 3), "a message of another call is stray");
    assertTrue(c.onCpu(ADMIN, 4));
    assertTrue(c.holdsCpu(ADMIN));
    assertFalse(c.onCpu(ADMIN, 4), "back once");
    assertEquals(4, c.token(ADMIN));
    c.leave(ADMIN);
    assertFalse(c.isCaller(ADMIN));
  }

  @Test
  void aTaskThatIsNotInACallIsNeverToldToSleepAndAlwaysGoesOnAtOnce() {
    CallerCpu c = new CallerCpu();
    c.enter(ADMIN, 1);
    // the optimizer's host drives its own steps: its waits do not concern the caller's CPU
    assertFalse(c.sleeps(OPTIMIZER));
    assertEquals(CallerCpu.Resume.NOW, c.resume(OPTIMIZER));
    assertFalse(c.holdsCpu(OPTIMIZER));
    assertFalse(c.onCpu(OPTIMIZER, 1));
    assertTrue(c.holdsCpu(ADMIN), "another task's wait leaves the caller on its CPU");
  }

  @Test
  void theProtocolIsCheckedAtEveryStep() {
    CallerCpu c = new CallerCpu();
    c.enter(ADMIN, 1);
    assertThrows(IllegalStateException.class, () -> c.enter(ADMIN, 2), "one call at a time");
    assertTrue(c.sleeps(ADMIN));
    assertThrows(IllegalStateException.class, () -> c.sleeps(ADMIN), "asleep already");
    assertThrows(IllegalStateException.class, () -> c.leave(ADMIN), "returns off its CPU");
    assertEquals(CallerCpu.Resume.WAKE_CALLER, c.resume(ADMIN));
    assertThrows(IllegalStateException.class, () -> c.resume(ADMIN), "woken twice");
    assertTrue(c.onCpu(ADMIN, 1));
    c.leave(ADMIN);
    assertThrows(IllegalStateException.class, () -> c.leave(ADMIN));
    assertThrows(IllegalStateException.class, () -> c.token(ADMIN));
  }
}
