package org.kernsim.actors.cpuhotplug26;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernsim.actors.cpuhotplug26.Programs26.Era;
import org.kernsim.actors.cpuhotplug26.Sm3Interleavings.Result;
import org.kernsim.actors.cpuhotplug26.Sm3Interleavings.Task;

/**
 * SM-3 per kernel: every order of a kprobes path against the CPU-hotplug writer of the same kernel.
 */
class Sm3VerdictTest {

  private static Result vsDown(List<HotplugOp> kprobes, int online) {
    return Sm3Interleavings.explore(
        online,
        online,
        List.of(
            new Task("kprobes", kprobes),
            new Task("cpu_down", Programs26.cpuDown(online - 1, online))));
  }

  private static Result vsUp(List<HotplugOp> kprobes) {
    return Sm3Interleavings.explore(
        2, 1, List.of(new Task("kprobes", kprobes), new Task("cpu_up", Programs26.cpuUp(1))));
  }

  @Test
  void theOptimizerNeverDeadlocksNorHangsAgainstTheWriterInAnyEra() {
    for (Era e : Era.values()) {
      for (Result r :
          List.of(
              vsDown(Programs26.kprobeOptimizer(e), 2),
              vsUp(Programs26.kprobeOptimizer(e)),
              vsDown(Programs26.registerKprobeOverJump(e), 2),
              vsDown(Programs26.disableKprobeOptimized(e), 2),
              vsUp(Programs26.disableKprobeOptimized(e)))) {
        assertNull(r.deadlock(), e + ": " + r.deadlock());
        assertNull(r.hang(), e + ": " + r.hang());
        assertTrue(r.someOrderCompletes());
      }
    }
  }

  @Test
  void armAllKprobesFollowsEnableKprobeAndJumpLabelsAreSafe() {
    for (Era e : Era.values()) {
      Result arm = vsDown(Programs26.armAllKprobesOverJump(e), 2);
      if (e == Era.V2_6_37) {
        assertNull(arm.deadlock());
        assertNotNull(arm.hang());
      } else {
        assertNotNull(arm.deadlock(), e.version);
        assertTrue(arm.deadlock().description().contains("text_mutex"));
      }
      if (e == Era.V2_6_36) continue;
      for (Result r :
          List.of(
              vsDown(Programs26.archJumpLabelTransform(e), 2),
              vsUp(Programs26.archJumpLabelTransform(e)))) {
        assertNull(r.deadlock(), e + ": " + r.deadlock());
        assertNull(r.hang(), e + ": " + r.hang());
      }
    }
  }

  @Test
  void v2_6_36_enableOverAJumpDeadlocksWithCpuDownToOneCpu() {
    Result r = vsDown(Programs26.enableKprobeOverJump(Era.V2_6_36), 2);
    assertNotNull(r.deadlock());
    assertEquals(
        "wait cycle: kprobes holds [kprobe_mutex, text_mutex] and waits for cpu_hotplug.lock (held"
            + " by cpu_down); cpu_down holds [cpu_add_remove_lock, cpu_hotplug.lock (active_writer),"
            + " smp_alt] and waits for text_mutex (held by kprobes)",
        r.deadlock().description());
    assertTrue(r.deadlock().schedule().stream().anyMatch(s -> s.contains("stop_machine from")));
    assertNull(r.hang(), "stop_machine() takes get_online_cpus() itself: the counts agree");
    // from cpu_up of the second CPU too (do_boot_cpu: alternatives_smp_switch(1))
    assertNotNull(vsUp(Programs26.enableKprobeOverJump(Era.V2_6_36)).deadlock());
    // with 3 CPUs going to 2 there is no alternatives_smp_switch(): no deadlock
    assertNull(vsDown(Programs26.enableKprobeOverJump(Era.V2_6_36), 3).deadlock());
  }

  @Test
  void v2_6_37_enableOverAJumpCannotDeadlockButItsUnprotectedStopMachineHangs() {
    Result down = vsDown(Programs26.enableKprobeOverJump(Era.V2_6_37), 2);
    assertNull(down.deadlock(), "__stop_machine() takes no hotplug lock");
    assertNotNull(down.hang());
    assertTrue(down.hang().description().contains("num_threads = 2"), down.hang().description());
    Result up = vsUp(Programs26.enableKprobeOverJump(Era.V2_6_37));
    assertNull(up.deadlock());
    assertTrue(up.hang().description().contains("not enabled yet"), up.hang().description());
    // the hang needs no alternatives_smp_switch: 3 CPUs going to 2 hangs as well
    assertNotNull(vsDown(Programs26.enableKprobeOverJump(Era.V2_6_37), 3).hang());
  }

  @Test
  void v2_6_38_enableOverAJumpDeadlocksThroughForceUnoptimizeKprobe() {
    Result r = vsDown(Programs26.enableKprobeOverJump(Era.V2_6_38), 2);
    assertNotNull(r.deadlock());
    assertTrue(r.deadlock().description().contains("kprobes holds [kprobe_mutex, text_mutex]"));
    assertTrue(
        r.deadlock().schedule().stream()
            .anyMatch(
                s -> s.equals("kprobes: get_online_cpus() in force_unoptimize_kprobe BLOCKS")));
    assertNull(r.hang(), "force_unoptimize_kprobe() holds a reference around __stop_machine()");
    assertNotNull(vsUp(Programs26.enableKprobeOverJump(Era.V2_6_38)).deadlock());
    assertNull(vsDown(Programs26.enableKprobeOverJump(Era.V2_6_38), 3).deadlock());
  }

  @Test
  void theLockOrderCheckerNamesTheInversionInTheDeadlockingErasOnly() {
    for (Era e : Era.values()) {
      List<String> reps =
          Sm3Interleavings.lockOrder(
              List.of(
                  new Task("kprobes", Programs26.enableKprobeOverJump(e)),
                  new Task("cpu_down", Programs26.cpuDown(1, 2))));
      if (e == Era.V2_6_37) {
        assertEquals(List.of(), reps);
      } else {
        assertEquals(1, reps.size(), e + ": " + reps);
        assertTrue(reps.get(0).startsWith("possible circular locking dependency detected"));
        assertTrue(reps.get(0).contains("text_mutex -> cpu_hotplug_lock"), reps.get(0));
      }
    }
  }

  @Test
  void theExplorationIsDeterministic() {
    Result a = vsDown(Programs26.enableKprobeOverJump(Era.V2_6_38), 2);
    Result b = vsDown(Programs26.enableKprobeOverJump(Era.V2_6_38), 2);
    assertEquals(a, b);
  }
}
