package org.kernsim.actors.hotplug;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.Violation;
import org.kernsim.engine.actor.ActorDriver;
import org.kernsim.models.Models;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Scenario;

/**
 * CPU hotplug on the machine model: a down/up cycle, its determinism, and the catalogue's
 * stop_machine races SM-1 and SM-2 with their verdicts per kernel version.
 */
class HotplugRunTest {
  static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("hotplug-test", ActorDriver.config(2));
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  static RunResult run(String scenario, long seed, String... sets) {
    Scenario s = Models.load(scenario, List.of(sets));
    return SequentialDriver.run(s.build(), RunOptions.of(seed, s.until()));
  }

  static Map<String, Long> fired(RunResult r) {
    Map<String, Long> out = new TreeMap<>();
    for (Violation v : r.violations()) out.merge(v.checker(), 1L, Long::sum);
    return out;
  }

  static long m(RunResult r, String key) {
    Object v = r.metrics().get(key);
    return v == null ? 0 : ((Number) v).longValue();
  }

  @Test
  void aCpuGoesDownAndComesBackWhileTheMachineRuns() {
    RunResult r = run("machine-hotplug", 3);
    assertEquals(Map.of(), fired(r));
    assertEquals(1, m(r, "cpuDowns"));
    assertEquals(1, m(r, "cpuUps"));
    assertTrue(m(r, "tasksMigratedByHotplug") >= 1, "balance_push moved cpu3's spinner away");
    // the requester's 3 stop_machine() calls and takedown_cpu()'s
    assertEquals(4, m(r, "stopMachineCount"));
    assertEquals(0, m(r, "lockdepReports"));
  }

  @Test
  void aHotplugRunIsTheSameOnBothDriversAndTwice() {
    Scenario s = Models.load("machine-hotplug", List.of("faults.hotplug.rate=300"));
    Simulation sim = s.build();
    RunOptions o = RunOptions.of(9, s.until());
    RunResult seq = SequentialDriver.run(sim, o);
    RunResult again = SequentialDriver.run(s.build(), o);
    RunResult act = ActorDriver.run(kit.system(), sim, o, 3);
    assertTrue(m(seq, "cpuDowns") >= 2, "random downs: " + m(seq, "cpuDowns"));
    assertEquals(seq.traceSha256(), again.traceSha256());
    assertEquals(seq.traceSha256(), act.traceSha256());
    assertEquals(seq.events(), act.events());
    assertEquals(Map.copyOf(seq.metrics()), Map.copyOf(act.metrics()));
  }

  @Test
  void withoutAHotplugPlanTheMachineHasNoHotplugEntities() {
    int plain = Models.load("machine-stop", List.of()).build().entityCount();
    int hot = Models.load("machine-hotplug", List.of()).build().entityCount();
    assertEquals(plain + 1 + 8, hot, "cpuhp and cpuhp/0..7");
    int v39 =
        Models.load(
                "machine-hotplug", List.of("hotplug.kernel=v3.8", "faults.hotplug.plan=5ms down 3"))
            .build()
            .entityCount();
    assertEquals(plain + 1, v39, "v3.8 has no hotplug threads: notifiers run on the control CPU");
  }

  @Test
  void v39CannotBringACpuUp() {
    BadInputException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            BadInputException.class,
            () -> Models.load("machine-hotplug", List.of("hotplug.kernel=v3.8")).build());
    assertTrue(e.getMessage().contains("v3.8"), e.getMessage());
  }

  // ------------------------------------------------------------------ SM-1

  @Test
  void sm1StopMachineCpuslockedWithoutTheLockHangsWhenACpuGoesAway() {
    // seed 1 (seed 3 before select_fallback_rq() took the lowest-numbered CPU of the node: the
    // pushed tasks land elsewhere, the timing moves; 3 of seeds 1..12 reproduce it either way)
    RunResult r = run("machine-sm1-stop-machine-unlocked", 1);
    Violation v = first(r, "SM1_StopMachineVsHotplug");
    assertTrue(v.message().contains("without cpus_read_lock()"), v.message());
    assertTrue(v.message().contains("spin in multi_cpu_stop() forever"), v.message());
  }

  @Test
  void sm1IsNotReachableWhenTheCallerHoldsTheLock() {
    // the writer (cpu_down) waits for the reader that is between num_online_cpus() and the end of
    // the barrier, so the online mask cannot change in between
    for (String call : List.of("cpuslocked", "stop_machine")) {
      for (long seed = 1; seed <= 4; seed++) {
        RunResult r =
            run(
                "machine-sm1-stop-machine-unlocked",
                seed,
                "load.stop-machine-call=" + call,
                "scenario.until=60ms");
        assertTrue(m(r, "cpuDowns") >= 3, call + " seed " + seed + ": " + m(r, "cpuDowns"));
        assertEquals(Map.of(), fired(r), call + " seed " + seed);
      }
    }
  }

  // ------------------------------------------------------------------ SM-2

  @Test
  void sm2NestedReadLockDeadlocksAgainstAPendingWriterIn2026() {
    RunResult r = run("machine-sm2-nested-read-lock", 1);
    Violation d = first(r, "SM2_HotplugLockDeadlock");
    assertTrue(d.message().contains("percpu_down_write()"), d.message());
    Violation l = first(r, "Lockdep");
    assertTrue(l.message().startsWith("possible recursive locking detected"), l.message());
    assertTrue(
        l.atNanos() < d.atNanos(), "lockdep warns on the first nested call, before the hang");
    assertEquals(0, m(r, "cpuDowns"), "cpu_down() never finishes");
  }

  @Test
  void sm2IsNotReachableWithV39GetOnlineCpus() {
    // v3.8: cpu_hotplug_begin() drops cpu_hotplug.lock while it waits for the refcount, so the
    // nested get_online_cpus() gets in; lockdep sees a recursive read and says nothing
    RunResult r = run("machine-sm2-nested-read-lock", 1, "hotplug.kernel=v3.8");
    assertEquals(Map.of(), fired(r));
    assertEquals(1, m(r, "cpuDowns"));
    assertTrue(m(r, "stopMachineCount") >= 10, "the calls go on: " + m(r, "stopMachineCount"));
  }

  private static Violation first(RunResult r, String checker) {
    for (Violation v : r.violations()) if (v.checker().equals(checker)) return v;
    throw new AssertionError(checker + " did not fire: " + fired(r));
  }

  @Test
  void noViolationWithoutTheFaultPlan() {
    RunResult r = run("machine-sm2-nested-read-lock", 1, "faults.hotplug.plan=");
    assertFalse(fired(r).containsKey("SM2_HotplugLockDeadlock"));
  }
}
