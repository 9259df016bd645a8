package org.kernsim.actors.kprobes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kernsim.actors.cpuhotplug26.Programs26;
import org.kernsim.actors.cpuhotplug26.Sm3Interleavings;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.Violation;
import org.kernsim.scenario.BadInputException;

/**
 * SM-3 in a timed run ({@code kprobes-sm3-hotplug}): the v2.6.36-v2.6.38 hotplug writer ({@code
 * org.kernsim.actors.cpuhotplug26.Hotplug26}) takes CPU 1 down while {@code enable_kprobe()} arms a
 * probe inside an optimized probe's jump. Each era's timed verdict is checked against the
 * exhaustive one of {@link Sm3Interleavings} for the same two paths.
 */
class KprobesSm3HotplugTest {

  private static final String SCENARIO = "kprobes-sm3-hotplug";
  private static final int SEEDS = 30;

  private static Sm3Interleavings.Result exhaustive(Programs26.Era e) {
    return Sm3Interleavings.explore(
        2,
        2,
        List.of(
            new Sm3Interleavings.Task("kprobes", Programs26.enableKprobeOverJump(e)),
            new Sm3Interleavings.Task("cpu_down", Programs26.cpuDown(1, 2))));
  }

  /** The first seed of 1..SEEDS on which {@code checker} fires, or null. */
  private static Violation firstOver(String kernel, String checker, String... more) {
    for (long seed = 1; seed <= SEEDS; seed++) {
      String[] sets = new String[more.length + 1];
      sets[0] = "kprobes.kernel=" + kernel;
      System.arraycopy(more, 0, sets, 1, more.length);
      RunResult r = KprobesScenarioTest.run(SCENARIO, seed, sets);
      for (Violation v : r.violations()) if (v.checker().equals(checker)) return v;
    }
    return null;
  }

  @Test
  void v2638DeadlocksAgainstCpuDownWithTheWaitCycleNamed() {
    assertNotNull(exhaustive(Programs26.Era.V2_6_38).deadlock());
    Violation v = firstOver("2.6.38", "NoDeadlock");
    assertNotNull(v, "no deadlock in seeds 1.." + SEEDS);
    String m = v.message();
    assertTrue(m.startsWith("deadlock in 2.6.38 cpu_down(1): wait cycle: "), m);
    // the writer holds the hotplug lock and smp_alt and waits for text_mutex in
    // alternatives_smp_switch(0); the kprobes caller holds kprobe_mutex and text_mutex and waits
    // for the hotplug lock in force_unoptimize_kprobe()
    assertTrue(
        m.contains(
            "cpu_hotplug holds [cpu_add_remove_lock, cpu_hotplug.lock (active_writer), smp_alt]"
                + " and waits for text_mutex (held by admin)"),
        m);
    assertTrue(
        m.contains(
            "admin holds [kprobe_mutex, text_mutex] and waits for cpu_hotplug.lock (held by"
                + " cpu_hotplug)"),
        m);
  }

  @Test
  void v2636DeadlocksAgainstCpuDown() {
    assertNotNull(exhaustive(Programs26.Era.V2_6_36).deadlock());
    Violation v = firstOver("2.6.36", "NoDeadlock");
    assertNotNull(v, "no deadlock in seeds 1.." + SEEDS);
    assertTrue(v.message().startsWith("deadlock in 2.6.36 cpu_down(1): wait cycle: "), v.message());
    assertTrue(v.message().contains("waits for text_mutex (held by admin)"), v.message());
  }

  @Test
  void v2637HangsInStopMachineAndNeverDeadlocks() {
    Sm3Interleavings.Result w = exhaustive(Programs26.Era.V2_6_37);
    assertNull(w.deadlock());
    assertNotNull(w.hang());
    int hangs = 0;
    for (long seed = 1; seed <= SEEDS; seed++) {
      RunResult r = KprobesScenarioTest.run(SCENARIO, seed, "kprobes.kernel=2.6.37");
      Map<String, Long> f = KprobesScenarioTest.fired(r);
      assertFalse(f.containsKey("NoDeadlock"), "seed " + seed + ": " + r.violations());
      if (f.containsKey("SM1_StopMachineVsHotplug")) {
        hangs++;
        assertTheStopMachineHang(r);
      }
    }
    assertTrue(hangs > 0, "no stop_machine hang in seeds 1.." + SEEDS);
  }

  /**
   * The optimizer and register_kprobe() take get_online_cpus() before text_mutex in every era: CPUs
   * going down and up under a bulk registration and unregistration deadlock nothing and hang no
   * stop_machine (the exhaustive verdict: not reachable).
   */
  @Test
  void theOptimizerPathIsNotReachable() {
    for (Programs26.Era e : Programs26.Era.values()) {
      Sm3Interleavings.Result w =
          Sm3Interleavings.explore(
              2,
              2,
              List.of(
                  new Sm3Interleavings.Task("optimizer", Programs26.kprobeOptimizer(e)),
                  new Sm3Interleavings.Task("cpu_down", Programs26.cpuDown(1, 2))));
      assertNull(w.deadlock(), e.version);
      assertNull(w.hang(), e.version);
      for (long seed = 1; seed <= 3; seed++) {
        RunResult r =
            KprobesScenarioTest.run(
                "kprobes-sm3-optimizer-hotplug", seed, "kprobes.kernel=" + e.version);
        Map<String, Long> f = KprobesScenarioTest.fired(r);
        assertFalse(f.containsKey("NoDeadlock"), e.version + " seed " + seed + ": " + f);
        assertFalse(
            f.containsKey("SM1_StopMachineVsHotplug"), e.version + " seed " + seed + ": " + f);
        assertFalse(f.containsKey("AdminScriptCompletes"), e.version + " seed " + seed + ": " + f);
        assertTrue(KprobesScenarioTest.metric(r, "hotplug26.cpuDown") >= 2, e.version);
        assertTrue(KprobesScenarioTest.metric(r, "hotplug26.cpuUp") >= 2, e.version);
        assertTrue(KprobesScenarioTest.metric(r, "optimizerPasses") >= 2, e.version);
      }
    }
  }

  @Test
  void theSameSeedGivesTheSameTrace() {
    RunResult a = KprobesScenarioTest.run(SCENARIO, 5, "kprobes.kernel=2.6.38");
    RunResult b = KprobesScenarioTest.run(SCENARIO, 5, "kprobes.kernel=2.6.38");
    assertEquals(a.traceSha256(), b.traceSha256());
    assertEquals(a.violations().toString(), b.violations().toString());
  }

  @Test
  void hotplugOfAnotherEraOrOfTheTasksCpusIsRefused() {
    assertThrows(
        BadInputException.class, () -> KprobesScenarioTest.run(SCENARIO, 1, "kprobes.kernel=6.1"));
    assertThrows(
        BadInputException.class,
        () -> KprobesScenarioTest.run(SCENARIO, 1, "faults.hotplug.plan=10ms down 0"));
    assertThrows(
        BadInputException.class, () -> KprobesScenarioTest.run(SCENARIO, 1, "kprobes.admin-cpu=1"));
    assertThrows(
        BadInputException.class,
        () -> KprobesScenarioTest.run(SCENARIO, 1, "kprobes.kernel=6.1", "faults.hotplug.rate=10"));
    // CPU 0, the admin's and the optimizer's CPU stay online: nothing left to take down at random
    assertThrows(
        BadInputException.class,
        () ->
            KprobesScenarioTest.run(
                SCENARIO,
                1,
                "faults.hotplug.plan=",
                "faults.hotplug.rate=10",
                "machine.cpus=2",
                "kprobes.admin-cpu=1"));
  }

  /**
   * {@code faults.hotplug.rate} without a plan: random cpu_down()s of CPU 1 (the only CPU that may
   * go) and its cpu_up() after the downtime, drawn from the writer's stream: the same seed gives
   * the same trace, another seed other times; without the rate the run has no hotplug at all.
   */
  @Test
  void randomHotplugFollowsTheRateFromTheSeed() {
    String[] random = {"kprobes.kernel=2.6.38", "faults.hotplug.plan=", "faults.hotplug.rate=40"};
    RunResult a = KprobesScenarioTest.run(SCENARIO, 7, random);
    RunResult b = KprobesScenarioTest.run(SCENARIO, 7, random);
    assertEquals(a.traceSha256(), b.traceSha256());
    assertEquals(a.violations().toString(), b.violations().toString());
    // a CPU went down at random, and came back after its downtime
    assertTrue(KprobesScenarioTest.metric(a, "hotplug26.cpuDown") >= 1, a.metrics().toString());
    assertTrue(KprobesScenarioTest.metric(a, "hotplug26.cpuUp") >= 1, a.metrics().toString());
    RunResult other = KprobesScenarioTest.run(SCENARIO, 8, random);
    assertFalse(a.traceSha256().equals(other.traceSha256()));
    RunResult none =
        KprobesScenarioTest.run(SCENARIO, 7, "kprobes.kernel=2.6.38", "faults.hotplug.plan=");
    assertEquals(0, KprobesScenarioTest.metric(none, "hotplug26.cpuDown"));
    assertFalse(KprobesScenarioTest.fired(none).containsKey("NoDeadlock"));
  }

  /**
   * Random hotplug meets enable_kprobe() as the plan does: 2.6.38 seed 404 at 200 random
   * cpu_down()s per second takes CPU 1 down and up three times; the fourth cpu_down() (2 -> 1 CPUs)
   * meets enable_kprobe() and deadlocks with the SM-3 wait cycle (5 of seeds 1..1000 do so).
   */
  @Test
  void randomHotplugReachesTheSm3DeadlockIn2638() {
    RunResult r =
        KprobesScenarioTest.run(
            SCENARIO,
            404,
            "kprobes.kernel=2.6.38",
            "faults.hotplug.plan=",
            "faults.hotplug.rate=200");
    assertEquals(3, KprobesScenarioTest.metric(r, "hotplug26.cpuDown"));
    assertEquals(3, KprobesScenarioTest.metric(r, "hotplug26.cpuUp"));
    String m = KprobesScenarioTest.first(r, "NoDeadlock").message();
    assertTrue(
        m.equals(
            "deadlock in 2.6.38 cpu_down(1): wait cycle: cpu_hotplug holds [cpu_add_remove_lock,"
                + " cpu_hotplug.lock (active_writer), smp_alt] and waits for text_mutex (held by"
                + " admin); admin holds [kprobe_mutex, text_mutex] and waits for cpu_hotplug.lock"
                + " (held by cpu_hotplug)"),
        m);
  }

  /**
   * 2.6.37 under random hotplug hangs as under the plan, never deadlocks: seed 94 at 200 random
   * cpu_down()s per second, enable_kprobe()'s __stop_machine() counted 2 CPUs before the writer's
   * take_cpu_down() left 1 stopper (in its fourth cpu_down(), after three down and up).
   */
  @Test
  void randomHotplugReachesTheSm3HangIn2637() {
    RunResult r =
        KprobesScenarioTest.run(
            SCENARIO,
            94,
            "kprobes.kernel=2.6.37",
            "faults.hotplug.plan=",
            "faults.hotplug.rate=200");
    assertFalse(KprobesScenarioTest.fired(r).containsKey("NoDeadlock"), r.violations().toString());
    assertTheStopMachineHang(r);
    // in a cpu_down(): CPU 1 is out of cpu_online_mask, not online with a disabled stopper
    assertFalse(
        KprobesScenarioTest.first(r, "SM1_StopMachineVsHotplug")
            .message()
            .contains("online CPUs with a parked stopper"));
  }

  /**
   * The admin runs enable_kprobe() on its own CPU 0, where the 2.6.37 writer's {@code cpu_up()}
   * spins from {@code check_tsc_sync_source()} through {@code while (!cpu_online(cpu)) cpu_relax()}
   * to {@code CPU_ONLINE} (v2.6.37 arch/x86/kernel/smpboot.c:940-943, kernel/cpu.c _cpu_up()): the
   * caller's {@code __stop_machine()}, which takes no hotplug lock in 2.6.37, cannot count {@code
   * num_online_cpus()} inside that window, and once it has counted it keeps CPU 0 until its work
   * reaches CPU 0's stopper. When the kprobes manager ran the call without the caller's CPU, these
   * seeds (of 1..20000 at 200 random cpu_down()s per second) reported a hang with CPU 1 online and
   * its stopper not yet enabled (14735: SM1_StopMachineVsHotplug "online CPUs with a parked
   * stopper: {1}") or CPU 1 seeing the patch outside the stop (57, 116, 459, 588:
   * NoHalfPatchedCodeObserved); the kernel can do neither with 2 CPUs and no preemption. Now they
   * are clean but for K11 (the patch under text_mutex without the hotplug lock, on every seed).
   */
  @Test
  void v2637CpuUpWindowCannotBeEnteredFromTheWritersCpu() {
    for (long seed : new long[] {14735, 57, 116, 459, 588}) {
      RunResult r =
          KprobesScenarioTest.run(
              SCENARIO,
              seed,
              "kprobes.kernel=2.6.37",
              "faults.hotplug.plan=",
              "faults.hotplug.rate=200");
      assertEquals(
          Map.of("K11_PatchUnderHotplugAndTextMutex", 1L),
          KprobesScenarioTest.fired(r),
          "seed " + seed + ": " + r.violations());
      assertTrue(KprobesScenarioTest.metric(r, "hotplug26.cpuUp") >= 1, "seed " + seed);
    }
  }

  /**
   * Random hotplug under the optimizer ({@code kprobes-sm3-optimizer-hotplug} with {@code
   * faults.hotplug.rate=200}, no plan): 2.6.38 seed 4 takes CPU 1 down and up 10 times while 40
   * probes are registered, optimised and unregistered twice; {@code do_unoptimize_kprobes()}'s
   * {@code get_online_cpus()} waits once for the writer and goes on at {@code cpu_hotplug_done()}.
   * No deadlock, no stop_machine hang, no half-patched code, the script completes, in each era (as
   * on every one of seeds 1..20000 per era, docs/kprobes.md).
   */
  @Test
  void randomHotplugUnderTheOptimizerFindsNothing() {
    String[] random = {"faults.hotplug.plan=", "faults.hotplug.rate=200"};
    for (Programs26.Era e : Programs26.Era.values()) {
      String[] sets = {"kprobes.kernel=" + e.version, random[0], random[1]};
      RunResult r = KprobesScenarioTest.run("kprobes-sm3-optimizer-hotplug", 4, sets);
      assertTrue(r.violations().isEmpty(), e.version + ": " + r.violations());
      assertTrue(KprobesScenarioTest.metric(r, "hotplug26.cpuDown") >= 5, e.version);
      if (e == Programs26.Era.V2_6_38) {
        assertEquals(10, KprobesScenarioTest.metric(r, "hotplug26.cpuDown"));
        assertEquals(10, KprobesScenarioTest.metric(r, "hotplug26.cpuUp"));
        assertEquals(4, KprobesScenarioTest.metric(r, "optimizerPasses"));
        assertEquals(1, KprobesScenarioTest.metric(r, "hotplug26.waits"));
      }
    }
  }

  /**
   * A reader that {@code cpu_hotplug_done()} lets through after {@code cpu_up()} sees the new CPU's
   * stopper enabled: in these kernels {@code _cpu_up()} runs {@code CPU_ONLINE} ({@code
   * cpu_stop_cpu_callback()}: {@code stopper->enabled = true} under {@code stopper->lock}) before
   * {@code cpu_hotplug_done()} (v2.6.38 kernel/cpu.c:319-324, stop_machine.c:314-321; v2.6.36
   * cpu.c:321-326, stop_machine.c:312-320). CPU 1 comes back at 60 ms while enable_kprobe()'s
   * stop_machine() (2.6.36) / force_unoptimize_kprobe() (2.6.38) waits in get_online_cpus() for the
   * writer; with a slow cache line ({@code latency.lock} up to 20 us) the model, before the writer
   * waited for stop_machine to have the view, let that reader's __stop_machine() count 2 CPUs and
   * find 1 enabled stopper (SM1_StopMachineVsHotplug, 5 of these 50 seeds in 2.6.38) or run the
   * patch with CPU 1 outside the stop (NoHalfPatchedCodeObserved, 5 in 2.6.36, 3 in 2.6.38),
   * neither of which the kernel can do. Seed 74 at the default latencies was one such 2.6.38 SM1.
   */
  @Test
  void aReaderLetInByCpuHotplugDoneSeesTheNewCpusStopperEnabled() {
    String up = "faults.hotplug.plan=5ms down 1, 60ms up 1";
    for (String kernel : new String[] {"2.6.36", "2.6.38"}) {
      long waited = 0;
      for (long seed = 1; seed <= 50; seed++) {
        RunResult r =
            KprobesScenarioTest.run(
                SCENARIO,
                seed,
                "kprobes.kernel=" + kernel,
                up,
                "latency.lock=uniform(100ns, 20us)");
        Map<String, Long> f = KprobesScenarioTest.fired(r);
        String what = kernel + " seed " + seed + ": " + r.violations();
        assertFalse(f.containsKey("SM1_StopMachineVsHotplug"), what);
        assertFalse(f.containsKey("NoHalfPatchedCodeObserved"), what);
        assertFalse(f.containsKey("AdminScriptCompletes"), what);
        assertEquals(1, KprobesScenarioTest.metric(r, "hotplug26.cpuUp"), what);
        waited += KprobesScenarioTest.metric(r, "hotplug26.waits");
      }
      // the admin's get_online_cpus() met the writer's cpu_up() and went on at cpu_hotplug_done()
      // (on 29 of the 50 seeds in 2.6.36, 23 in 2.6.38)
      assertTrue(waited >= 15, kernel + ": the reader met the writer on " + waited + " seeds");
    }
    RunResult r = KprobesScenarioTest.run(SCENARIO, 74, "kprobes.kernel=2.6.38", up);
    assertFalse(
        KprobesScenarioTest.fired(r).containsKey("SM1_StopMachineVsHotplug"),
        r.violations().toString());
    assertEquals(1, KprobesScenarioTest.metric(r, "hotplug26.waits"));
  }

  /**
   * 2.6.37's SM-3 outcome: stop_machine counted one stopper fewer than it will run, and the kprobes
   * caller never returns (the run ends with the admin stuck in enable_kprobe).
   */
  private static void assertTheStopMachineHang(RunResult r) {
    String m = KprobesScenarioTest.first(r, "SM1_StopMachineVsHotplug").message();
    assertTrue(m.contains("1 stopper(s) will run but num_threads = 2"), m);
    assertTrue(
        KprobesScenarioTest.first(r, "AdminScriptCompletes")
            .message()
            .contains("in enable_kprobe"));
  }
}
