package org.kernsim.actors.hotplug;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernsim.actors.machine.HotplugConfig;
import org.kernsim.actors.machine.HotplugConfig.Kernel;
import org.kernsim.protocol.hotplug.CpuhpState;
import org.kernsim.scenario.BadInputException;

/** The hotplug sequences of each kernel version, the refusals, and the fault plan's syntax. */
class CpuhpTest {

  @Test
  void cpuDownIn2026KicksTheApThreadThenTakesTheCpuDownUnderTheWriteLock() {
    // the control CPU's states below CPUHP_TEARDOWN_CPU then run their teardowns, in reverse; a
    // state registered without one (workqueue's CPUHP_WORKQUEUE_PREP) is skipped by the caller
    assertEquals(
        "[WRITE_LOCK, AP_THREAD, TAKEDOWN, BP_CALLBACKS(CPUHP_WORKQUEUE_PREP), WRITE_UNLOCK]",
        Cpuhp.steps(Kernel.V2026, false).toString());
  }

  @Test
  void cpuUpIn2026PreparesOnTheControlCpuBootsTheApThenRunsItsThreadStates() {
    assertEquals(
        "[WRITE_LOCK, BP_CALLBACKS(CPUHP_WORKQUEUE_PREP), BRINGUP, AP_THREAD, WRITE_UNLOCK]",
        Cpuhp.steps(Kernel.V2026, true).toString());
  }

  @Test
  void cpuDownInV39RunsTheNotifiers() {
    List<Cpuhp.Step> s = Cpuhp.steps(Kernel.V3_8, false);
    assertEquals(
        "[WRITE_LOCK, BP_CALLBACKS(CPU_DOWN_PREPARE), SCHED_INACTIVE, TAKEDOWN,"
            + " BP_CALLBACKS(CPU_DEAD), WRITE_UNLOCK]",
        s.toString());
    assertEquals(s, Cpuhp.steps(Kernel.V3_9, false), "kernel/cpu.c is the same in v3.9");
    assertThrows(IllegalStateException.class, () -> Cpuhp.steps(Kernel.V3_8, true));
  }

  @Test
  void theHotplugThreadRunsItsStatesUpInOrderAndDownInReverse() {
    assertEquals(
        List.of(
            CpuhpState.AP_ONLINE_IDLE,
            CpuhpState.AP_SCHED_WAIT_EMPTY,
            CpuhpState.AP_WORKQUEUE_ONLINE,
            CpuhpState.AP_ACTIVE),
        Cpuhp.threadStates(true));
    assertEquals(
        List.of(
            CpuhpState.AP_ACTIVE,
            CpuhpState.AP_WORKQUEUE_ONLINE,
            CpuhpState.AP_SCHED_WAIT_EMPTY,
            CpuhpState.AP_ONLINE_IDLE),
        Cpuhp.threadStates(false));
    assertEquals("CPUHP_AP_WORKQUEUE_ONLINE", CpuhpState.AP_WORKQUEUE_ONLINE.kernelName());
    assertEquals("CPU_DOWN_PREPARE", CpuhpState.CPU_DOWN_PREPARE.kernelName());
  }

  @Test
  void refusals() {
    BitSet online = new BitSet();
    online.set(0, 2);
    assertNull(Cpuhp.refusal(online, 1, false));
    assertEquals("already online", Cpuhp.refusal(online, 1, true));
    assertEquals(0, Cpuhp.errno("already online"));
    online.clear(1);
    assertEquals("already offline", Cpuhp.refusal(online, 1, false));
    assertNull(Cpuhp.refusal(online, 1, true));
    String last = Cpuhp.refusal(online, 0, false);
    assertEquals(-16, Cpuhp.errno(last), "_cpu_down(): -EBUSY for the last online CPU");
  }

  @Test
  void thePlanParsesSortsAndNamesWhatIsWrong() {
    List<HotplugConfig.PlanEntry> p = HotplugConfig.parsePlan("12ms up 3, 5ms down 3", 4);
    assertEquals(new HotplugConfig.PlanEntry(5_000_000, 3, false), p.get(0));
    assertEquals(new HotplugConfig.PlanEntry(12_000_000, 3, true), p.get(1));
    assertTrue(HotplugConfig.parsePlan("  ", 4).isEmpty());
    for (String bad : List.of("5ms off 1", "5ms down", "five down 1", "5ms down x", "5ms down 4")) {
      BadInputException e =
          assertThrows(BadInputException.class, () -> HotplugConfig.parsePlan(bad, 4), bad);
      assertTrue(e.getMessage().startsWith("faults.hotplug.plan: '"), e.getMessage());
    }
  }
}
