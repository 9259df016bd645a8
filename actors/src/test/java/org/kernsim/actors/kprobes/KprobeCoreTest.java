package org.kernsim.actors.kprobes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.kernsim.actors.kprobes.Kprobe.State;
import org.kernsim.protocol.kprobes.CodeChange;
import org.kernsim.protocol.kprobes.CodeChange.FirstByte;
import org.kernsim.protocol.kprobes.KprobeApi;
import org.kernsim.protocol.kprobes.OptimizerMessage.OptimizerStep;

/**
 * The probe state machine of {@link KprobeCore}, without any engine: every transition of spec A.5.1
 * in the seed's kernel, v2.6.38 (and where the seed differs from the modern table), and the kernels
 * before the seed, v2.6.36 and v2.6.37 ({@link PreSeed}).
 */
class KprobeCoreTest {

  /** Drives a core section by section, recording the effects of each. */
  static final class Harness {
    final KprobeCore core;
    final List<Effects.Effect> log = new ArrayList<>();
    List<Effects.Effect> last = List.of();

    Harness(KprobeCore.Config cfg, List<ProbeDef> defs) {
      core = KprobeCore.create(cfg, defs);
    }

    static Harness seed(ProbeDef... defs) {
      return new Harness(KprobeCore.Config.seed(), List.of(defs));
    }

    static Harness beforeSeed(ProbeDef... defs) {
      return new Harness(KprobeCore.Config.of(Kernel.V2_6_37), List.of(defs));
    }

    List<Effects.Effect> api(Consumer<KprobeCore> body) {
      return section(List.of(KprobeCore.Lock.KPROBE_MUTEX), body);
    }

    List<Effects.Effect> optimizer(Consumer<KprobeCore> body) {
      return section(List.of(KprobeCore.Lock.MODULE_MUTEX, KprobeCore.Lock.KPROBE_MUTEX), body);
    }

    List<Effects.Effect> section(List<KprobeCore.Lock> holds, Consumer<KprobeCore> body) {
      Effects fx = new Effects();
      core.beginSection(fx, holds);
      body.accept(core);
      core.endSection();
      last = fx.list();
      log.addAll(last);
      return last;
    }

    int register(int id) {
      int[] r = new int[1];
      api(k -> r[0] = k.registerKprobe(id));
      return r[0];
    }

    List<Kprobe> unregisterTop(Integer... ids) {
      List<List<Kprobe>> out = new ArrayList<>();
      api(k -> out.add(k.unregisterKprobesTop(List.of(ids))));
      return out.get(0);
    }

    void unregisterBottom(List<Kprobe> ps) {
      section(List.of(), k -> k.unregisterKprobesBottom(ps));
    }

    /**
     * One full kprobe_optimizer() run, the steps the kernel's core names (v2.6.38: Step 1, Step 2,
     * Step 3, Step 4, then Step 5 after the unlock).
     */
    void optimizerRun() {
      OptimizerStep[] s = new OptimizerStep[1];
      optimizer(k -> s[0] = k.nextOptimizerStep(null));
      while (s[0] != OptimizerStep.END) {
        OptimizerStep cur = s[0];
        optimizer(
            k -> {
              if (cur != OptimizerStep.SYNCHRONIZE) k.optimizerStep(cur); // the task's own wait
              s[0] = k.nextOptimizerStep(cur);
            });
      }
      section(List.of(), KprobeCore::optimizerStep5);
    }

    Kprobe aggrAt(int addr) {
      Kprobe p = core.hashed(addr);
      assertNotNull(p, "nothing hashed at " + addr);
      assertTrue(p.aggr, p + " is not an aggregator");
      return p;
    }

    KprobeCore.Code code(int addr) {
      return core.codeAt(addr);
    }

    static List<CodeChange> stopMachinePatches(List<Effects.Effect> fx) {
      List<CodeChange> out = new ArrayList<>();
      for (Effects.Effect e : fx) if (e instanceof Effects.StopMachine s) out.addAll(s.patches());
      return out;
    }

    static long stopMachines(List<Effects.Effect> fx) {
      return fx.stream().filter(e -> e instanceof Effects.StopMachine).count();
    }

    static boolean kicked(List<Effects.Effect> fx) {
      return fx.stream().anyMatch(e -> e instanceof Effects.Kick);
    }

    static List<String> violations(List<Effects.Effect> fx) {
      List<String> out = new ArrayList<>();
      for (Effects.Effect e : fx)
        if (e instanceof Effects.Violation v) out.add(v.checker() + ": " + v.message());
      return out;
    }

    /** What the effects publish: RCU publications and text_poke() stores, in order. */
    static List<CodeChange> published(List<Effects.Effect> fx) {
      List<CodeChange> out = new ArrayList<>();
      for (Effects.Effect e : fx) {
        if (e instanceof Effects.Publish p) out.addAll(p.changes());
        if (e instanceof Effects.TextPoke t) {
          for (var op : t.ops())
            if (op instanceof org.kernsim.protocol.textpoke.TextPokeMessage.Write w)
              out.add(w.change());
        }
      }
      return out;
    }
  }

  static ProbeDef probe(int id, int addr) {
    return new ProbeDef(id, "k" + id, addr, 5, true);
  }

  /** Registers and runs the optimizer once: the probe's aggregator is OPTIMIZED (a jump). */
  static Harness optimized(Harness h, int... ids) {
    for (int id : ids) assertEquals(0, h.register(id));
    h.optimizerRun();
    return h;
  }

  // ------------------------------------------------------------------ row 1

  @Test
  void row1_optimizeKprobeQueuesAnEligibleProbeAndKicks() {
    Harness h = Harness.seed(probe(0, 100));
    assertEquals(0, h.register(0));
    Kprobe ap = h.aggrAt(100);
    assertEquals(State.OPTIMIZING, ap.state());
    assertTrue(ap.optimized(), "OPTIMIZED is set when queued for optimisation");
    assertTrue(h.core.optimizingList.contains(ap));
    assertTrue(Harness.kicked(h.last));
    assertEquals(new KprobeCore.Code(FirstByte.INT3, false, -1), h.code(100), "armed, no jump yet");
    assertEquals(0, Harness.stopMachines(h.last), "optimisation itself is left to the optimizer");
  }

  @Test
  void row1_notEligibleWhenAnotherEnabledProbeIsInsideTheWindow() {
    Harness h = Harness.seed(probe(0, 100), probe(1, 102));
    h.register(0);
    h.register(1); // inside 100..104: probe 0 is un-optimised (dequeued) and stays so
    Kprobe q = h.aggrAt(100);
    assertEquals(State.UNOPTIMIZED, q.state());
    h.api(k -> k.optimizeKprobe(q));
    assertEquals(
        State.UNOPTIMIZED,
        q.state(),
        "arch_check_optimized_kprobe refuses: probe at 102 is enabled");
    assertEquals(State.OPTIMIZING, h.aggrAt(102).state());
  }

  @Test
  void row1_notEligibleWhenDisabledDisarmedOrForbidden() {
    Harness h = optimized(Harness.seed(probe(0, 100)), 0);
    h.api(k -> k.unoptimizeAllKprobes(false));
    h.optimizerRun();
    Kprobe ap = h.aggrAt(100);
    assertEquals(State.UNOPTIMIZED, ap.state());
    h.api(k -> k.optimizeKprobe(ap));
    assertEquals(State.UNOPTIMIZED, ap.state(), "kprobes_allow_optimization is false");
    h.api(KprobeCore::optimizeAllKprobes);
    assertEquals(State.OPTIMIZING, ap.state(), "optimize_all_kprobes re-queues it");
  }

  // ------------------------------------------------------------------ row 2

  @Test
  void row2_optimizeKprobeCancelsAPendingUnoptimisation() {
    Harness h = optimized(Harness.seed(probe(0, 100)), 0);
    Kprobe ap = h.aggrAt(100);
    h.api(k -> k.unoptimizeKprobe(ap, false));
    assertEquals(State.UNOPTIMIZING, ap.state());
    assertFalse(
        ap.optimized(), "seed encoding: OPTIMIZED is cleared when queued for un-optimisation");
    h.api(k -> k.optimizeKprobe(ap));
    assertEquals(State.OPTIMIZED, ap.state(), "seed: the flag was 0, so it sets it and dequeues");
    assertTrue(ap.optimized());
    assertFalse(h.core.unoptimizingList.contains(ap));
    assertEquals(0, Harness.stopMachines(h.last), "the jump never left the code");
    assertEquals(FirstByte.JMP, h.code(100).firstByte());
  }

  // ------------------------------------------------------------------ row 3

  @Test
  void row3_unoptimizeOfAnOptimizingProbeJustDequeues() {
    Harness h = Harness.seed(probe(0, 100));
    h.register(0);
    Kprobe ap = h.aggrAt(100);
    h.api(k -> k.unoptimizeKprobe(ap, false));
    assertEquals(State.UNOPTIMIZED, ap.state());
    assertFalse(ap.optimized());
    assertTrue(h.core.optimizingList.isEmpty());
    assertEquals(0, Harness.stopMachines(h.last), "nothing to undo in the code");
  }

  // ------------------------------------------------------------------ row 4

  @Test
  void row4_unoptimizeOfAnOptimizedProbeQueuesItAndKicks() {
    Harness h = optimized(Harness.seed(probe(0, 100)), 0);
    Kprobe ap = h.aggrAt(100);
    assertEquals(State.OPTIMIZED, ap.state());
    h.api(k -> k.unoptimizeKprobe(ap, false));
    assertEquals(State.UNOPTIMIZING, ap.state());
    assertTrue(h.core.unoptimizingList.contains(ap));
    assertTrue(Harness.kicked(h.last));
    assertEquals(
        0, Harness.stopMachines(h.last), "delayed: no stop_machine in the caller's section");
    assertEquals(FirstByte.JMP, h.code(100).firstByte(), "the jump stays until the optimizer runs");
  }

  @Test
  void row4_beforeTheSeedUnoptimizationPatchesAtOnce() {
    Harness h = optimized(Harness.beforeSeed(probe(0, 100)), 0);
    Kprobe ap = h.aggrAt(100);
    h.api(k -> k.unoptimizeKprobe(ap, false));
    assertEquals(State.UNOPTIMIZED, ap.state());
    assertEquals(
        List.of(new CodeChange.JumpRestore(100, ap.id)), Harness.stopMachinePatches(h.last));
    assertEquals(
        1,
        Harness.stopMachines(h.last),
        "one stop_machine, inside the caller's kprobe_mutex section");
    assertEquals(new KprobeCore.Code(FirstByte.INT3, false, -1), h.code(100));
  }

  // ------------------------------------------------------------------ row 5

  @Test
  void row5_forcedUnoptimizationPatchesAtOnceAndClearsTheFlag() {
    Harness h = optimized(Harness.seed(probe(0, 100), probe(1, 102)), 0);
    Kprobe q = h.aggrAt(100);
    assertEquals(State.OPTIMIZED, q.state());
    // a new probe lands inside q's jump window: __arm_kprobe forces q's un-optimisation
    assertEquals(0, h.register(1));
    assertEquals(State.UNOPTIMIZED, q.state());
    assertFalse(q.optimized());
    List<Effects.Effect> fx = h.last;
    assertEquals(List.of(new CodeChange.JumpRestore(100, q.id)), Harness.stopMachinePatches(fx));
    int stop = indexOf(fx, Effects.StopMachine.class);
    int arm = indexOfPoke(fx, 102, FirstByte.INT3);
    assertTrue(
        stop >= 0 && arm > stop, "the jump is removed before the new breakpoint is written (K8)");
    assertTrue(Harness.violations(h.log).isEmpty(), Harness.violations(h.log).toString());
  }

  @Test
  void row5_seedForcedUnoptimizationAlsoDisarmsADisabledProbe() {
    Harness h = optimized(Harness.seed(probe(0, 100), probe(1, 102)), 0);
    Kprobe q = h.aggrAt(100);
    h.api(k -> k.disableKprobe(0)); // queued for un-optimisation, disabled
    assertEquals(State.UNOPTIMIZING, q.state());
    assertTrue(q.disabled());
    h.register(1);
    assertEquals(State.UNOPTIMIZED, q.state());
    assertEquals(
        KprobeCore.Code.ORIG,
        h.code(100),
        "seed: force_unoptimize_kprobe disarms a disabled probe too");
  }

  // ------------------------------------------------------------------ row 6 (seed: KP-17)

  @Test
  void row6_seedForcedUnoptimizationOfAnUnusedProbeStrandsIt() {
    Harness h = optimized(Harness.seed(probe(0, 100), probe(1, 102), probe(2, 100)), 0);
    List<Kprobe> bottom = h.unregisterTop(0);
    Kprobe u = h.aggrAt(100);
    assertEquals(State.UNOPTIMIZING, u.state());
    assertTrue(KprobeCore.kprobeUnused(u), "busy to die: disabled, no child, jump still installed");
    h.unregisterBottom(bottom);
    assertFalse(u.freed, "the optimizer owns an unused aggregator");
    h.register(1); // lands in u's window
    assertEquals(
        State.UNOPTIMIZED, u.state(), "seed: dequeued and patched, not moved to a free list");
    assertSame(u, h.core.hashed(100), "stays hashed as unused: nobody will free it");
    assertEquals(KprobeCore.Code.ORIG, h.code(100));
    h.optimizerRun();
    h.optimizerRun();
    assertSame(u, h.core.hashed(100));
    assertFalse(u.freed);
    assertEquals(
        KprobeApi.EBUSY, h.register(2), "later registrations at its address get -EBUSY forever");
  }

  // ------------------------------------------------------------------ row 7

  @Test
  void row7_stepOneUnpatchesInOneBatchDisarmsAndRemovesUnusedProbes() {
    Harness h = optimized(Harness.seed(probe(0, 100), probe(1, 200), probe(2, 300)), 0, 1, 2);
    Kprobe a = h.aggrAt(100);
    Kprobe b = h.aggrAt(200);
    Kprobe c = h.aggrAt(300);
    h.unregisterTop(0); // unused
    h.api(k -> k.disableKprobe(1)); // disabled, still used
    h.api(k -> k.unoptimizeKprobe(c, false)); // enabled
    assertEquals(3, h.core.unoptimizingList.size());
    h.optimizer(KprobeCore::doUnoptimizeKprobes);
    assertEquals(1, Harness.stopMachines(h.last), "one text_poke_smp_batch for the three");
    assertEquals(3, Harness.stopMachinePatches(h.last).size());
    assertEquals(State.FREEING, a.state());
    assertNull(h.core.hashed(100), "unused: hlist_del_rcu, reclaimed after the grace period");
    assertEquals(KprobeCore.Code.ORIG, h.code(100));
    assertEquals(State.UNOPTIMIZED, b.state());
    assertEquals(KprobeCore.Code.ORIG, h.code(200), "disabled: the breakpoint is removed too");
    assertEquals(State.UNOPTIMIZED, c.state());
    assertEquals(
        new KprobeCore.Code(FirstByte.INT3, false, -1),
        h.code(300),
        "enabled: back to a breakpoint");
  }

  @Test
  void row7_batchesAreLimitedToMaxOptimizeProbes() {
    List<ProbeDef> defs = new ArrayList<>();
    Integer[] ids = new Integer[300];
    for (int i = 0; i < 300; i++) {
      defs.add(probe(i, 1000 + 10 * i));
      ids[i] = i;
    }
    Harness h = new Harness(KprobeCore.Config.seed(), defs);
    h.api(
        k -> {
          for (int i = 0; i < 300; i++) k.registerKprobe(i);
        });
    h.optimizer(KprobeCore::doOptimizeKprobes);
    assertEquals(256, Harness.stopMachinePatches(h.last).size());
    assertEquals(44, h.core.optimizingList.size());
    boolean[] again = new boolean[1];
    h.section(List.of(), k -> again[0] = k.optimizerStep5());
    assertTrue(again[0], "Step 5 kicks again: a list is not empty");
    h.optimizer(KprobeCore::doOptimizeKprobes);
    assertEquals(44, Harness.stopMachinePatches(h.last).size());
    h.unregisterTop(ids);
    assertEquals(300, h.core.unoptimizingList.size());
    h.optimizer(KprobeCore::doUnoptimizeKprobes);
    assertEquals(256, Harness.stopMachinePatches(h.last).size());
    assertEquals(256, h.core.freeList.size());
    h.optimizer(KprobeCore::doFreeCleanedKprobes);
    h.optimizer(KprobeCore::doUnoptimizeKprobes);
    assertEquals(44, Harness.stopMachinePatches(h.last).size());
  }

  // ------------------------------------------------------------------ row 8

  @Test
  void row8_stepThreePatchesTheQueueInOneBatch() {
    Harness h = Harness.seed(probe(0, 100), probe(1, 200));
    h.register(0);
    h.register(1);
    h.optimizer(KprobeCore::doOptimizeKprobes);
    assertEquals(1, Harness.stopMachines(h.last));
    assertEquals(State.OPTIMIZED, h.aggrAt(100).state());
    assertEquals(State.OPTIMIZED, h.aggrAt(200).state());
    assertEquals(FirstByte.JMP, h.code(100).firstByte());
    assertTrue(h.code(200).rel32());
  }

  @Test
  void row8_stepThreeIsSkippedWhenAllDisarmedOrForbidden() {
    Harness h = Harness.seed(probe(0, 100));
    h.register(0);
    h.core.kprobesAllowOptimization = false;
    h.optimizer(KprobeCore::doOptimizeKprobes);
    assertEquals(0, Harness.stopMachines(h.last));
    assertEquals(State.OPTIMIZING, h.aggrAt(100).state());
  }

  // ------------------------------------------------------------------ row 9

  @Test
  void row9_stepFourFreesUnusedProbes() {
    Harness h = optimized(Harness.seed(probe(0, 100)), 0);
    Kprobe a = h.aggrAt(100);
    h.unregisterTop(0);
    h.optimizer(KprobeCore::doUnoptimizeKprobes);
    h.optimizer(KprobeCore::doFreeCleanedKprobes);
    assertEquals(State.FREED, a.state());
    assertTrue(Harness.published(h.last).contains(new CodeChange.OpFreed(a.id)));
  }

  @Test
  void row9_seedBugOnWhenAProbeOnTheFreeListIsUsedAgain() {
    Harness h = optimized(Harness.seed(probe(0, 100)), 0);
    Kprobe a = h.aggrAt(100);
    h.unregisterTop(0);
    h.optimizer(KprobeCore::doUnoptimizeKprobes);
    a.flags &= ~Kprobe.KPROBE_FLAG_DISABLED; // a path that revives it between Step 1 and Step 4
    h.optimizer(KprobeCore::doFreeCleanedKprobes);
    assertTrue(
        Harness.violations(h.last).get(0).startsWith("K7_FreeOnlyUnused"),
        Harness.violations(h.last).toString());
    assertFalse(a.freed);
  }

  @Test
  void row9_2026ReoptimizesTheProbeItWasBlocking() {
    KprobeCore.Config fixed = KprobeCore.Config.seed().withReoptimizeOnFree(true);
    for (boolean fix : new boolean[] {false, true}) {
      Harness h =
          new Harness(
              fix ? fixed : KprobeCore.Config.seed(), List.of(probe(0, 100), probe(1, 102)));
      h.register(0);
      h.register(1); // q (100) blocked by p (102)
      h.optimizerRun(); // p optimized
      h.unregisterTop(
          1); // p: delayed un-optimisation, so __disarm_kprobe skips the re-optimisation
      h.optimizerRun(); // p freed in Step 4
      Kprobe q = h.aggrAt(100);
      assertEquals(
          fix ? State.OPTIMIZING : State.UNOPTIMIZED, q.state(), "reoptimize-on-free=" + fix);
    }
  }

  // ------------------------------------------------------------------ row 10

  @Test
  void row10_seedReturnsEbusyForABusyToDieProbe() {
    Harness h = optimized(Harness.seed(probe(0, 100), probe(1, 100)), 0);
    h.unregisterTop(0);
    assertEquals(KprobeApi.EBUSY, h.register(1));
    h.optimizerRun();
    assertEquals(0, h.register(1), "once the optimizer freed it, the address is free again");
  }

  @Test
  void row10_reuseUnusedKprobeRescuesIt() {
    Harness h =
        optimized(
            new Harness(
                KprobeCore.Config.seed().withReuseUnused(true),
                List.of(probe(0, 100), probe(1, 100))),
            0);
    Kprobe a = h.aggrAt(100);
    h.unregisterTop(0);
    assertEquals(State.UNOPTIMIZING, a.state());
    assertEquals(0, h.register(1));
    assertSame(a, h.aggrAt(100));
    assertEquals(
        State.OPTIMIZED,
        a.state(),
        "reuse_unused_kprobe: optimize_kprobe cancels the pending un-optimisation");
    assertFalse(a.disabled());
    assertEquals(FirstByte.JMP, h.code(100).firstByte());
  }

  // ------------------------------------------------------------------ row 11

  @Test
  void row11_killOptimizedKprobeDequeuesWithoutTouchingTheCode() {
    Harness h = optimized(Harness.seed(probe(0, 100)), 0);
    Kprobe a = h.aggrAt(100);
    h.api(k -> k.unoptimizeKprobe(a, false));
    assertEquals(State.UNOPTIMIZING, a.state());
    h.api(k -> k.killKprobe(0));
    assertEquals(State.UNOPTIMIZED, a.state());
    assertTrue(a.gone());
    assertEquals(0, Harness.stopMachines(h.last), "the code is about to be freed: not touched");
    assertEquals(FirstByte.JMP, h.code(100).firstByte());
    assertFalse(KprobeCore.kprobeOptready(a), "arch_remove_optimized_kprobe released the detour");
  }

  // ------------------------------------------------------------------ unregister, both eras

  @Test
  void unregisterBeforeTheSeedFreesTheAggregatorInTheBottomHalf() {
    Harness h = optimized(Harness.beforeSeed(probe(0, 100)), 0);
    Kprobe a = h.aggrAt(100);
    List<Kprobe> bottom = h.unregisterTop(0);
    assertEquals(
        1,
        Harness.stopMachines(h.last),
        "one stop_machine for the probe, inside unregister_kprobes");
    assertNull(h.core.hashed(100));
    assertEquals(KprobeCore.Code.ORIG, h.code(100));
    h.unregisterBottom(bottom);
    assertTrue(a.freed);
  }

  @Test
  void unregisterInTheSeedLeavesAnUnusedProbeToTheOptimizer() {
    Harness h = optimized(Harness.seed(probe(0, 100)), 0);
    Kprobe a = h.aggrAt(100);
    List<Kprobe> bottom = h.unregisterTop(0);
    assertEquals(0, Harness.stopMachines(h.last));
    assertSame(a, h.core.hashed(100), "!disarmed (under delayed unoptimizing): stays hashed");
    h.unregisterBottom(bottom);
    assertFalse(a.freed, "the bottom half does nothing");
    h.optimizerRun();
    assertTrue(a.freed);
    assertNull(h.core.hashed(100));
  }

  @Test
  void unregisterOfAnOptimizingProbeIsImmediateInBothEras() {
    for (Harness h :
        new Harness[] {Harness.seed(probe(0, 100)), Harness.beforeSeed(probe(0, 100))}) {
      h.register(0);
      Kprobe a = h.aggrAt(100);
      List<Kprobe> bottom = h.unregisterTop(0);
      assertNull(h.core.hashed(100));
      assertEquals(KprobeCore.Code.ORIG, h.code(100));
      h.unregisterBottom(bottom);
      assertTrue(a.freed);
    }
  }

  // ------------------------------------------------------------------ disarm all (KP-3) and K1

  @Test
  void seedDisarmAllLeavesTheBreakpointArmed() {
    Harness h = optimized(Harness.seed(probe(0, 100)), 0);
    h.api(KprobeCore::disarmAllKprobes);
    assertEquals(State.UNOPTIMIZING, h.aggrAt(100).state());
    h.optimizerRun();
    assertEquals(
        new KprobeCore.Code(FirstByte.INT3, false, -1),
        h.code(100),
        "KP-3: only DISABLED probes are disarmed in Step 1");
    Harness forced =
        optimized(
            new Harness(KprobeCore.Config.seed().withDisarmAllForce(true), List.of(probe(0, 100))),
            0);
    forced.api(KprobeCore::disarmAllKprobes);
    assertEquals(
        KprobeCore.Code.ORIG,
        forced.code(100),
        "later kernels force the un-optimisation and disarm at once");
    assertTrue(Harness.violations(forced.log).isEmpty(), Harness.violations(forced.log).toString());
  }

  @Test
  void seedEnableKprobeTakesTheHotplugLockInsideTextMutex() {
    Harness h = optimized(Harness.seed(probe(0, 100), probe(1, 102)), 0);
    h.register(1);
    h.api(k -> k.disableKprobe(1));
    h.api(k -> k.enableKprobe(0)); // no-op: enabled
    h.optimizerRun();
    h.api(KprobeCore::optimizeAllKprobes);
    assertTrue(Harness.violations(h.log).isEmpty(), Harness.violations(h.log).toString());
    // q (100) is optimizable again now that probe 1 is disabled; optimise it, then enable probe 1:
    Kprobe q = h.aggrAt(100);
    h.api(k -> k.optimizeKprobe(q));
    h.optimizerRun();
    assertEquals(State.OPTIMIZED, q.state());
    h.api(
        k ->
            k.enableKprobe(
                1)); // arm_kprobe: text_mutex, then force_unoptimize_kprobe: get_online_cpus
    List<String> v = Harness.violations(h.last);
    assertEquals(1, v.size(), v.toString());
    assertTrue(v.get(0).startsWith("K1_LockOrder"), v.toString());
  }

  @Test
  void consistencyHoldsAfterEveryTransitionOfAnOrdinaryLifecycle() {
    Harness h = Harness.seed(probe(0, 100), probe(1, 200));
    h.register(0);
    h.register(1);
    h.api(KprobeCore::checkConsistency);
    h.optimizerRun();
    h.api(KprobeCore::checkConsistency);
    h.unregisterTop(0);
    h.api(k -> k.disableKprobe(1));
    h.api(KprobeCore::checkConsistency);
    h.optimizerRun();
    h.api(KprobeCore::checkConsistency);
    assertTrue(Harness.violations(h.log).isEmpty(), Harness.violations(h.log).toString());
  }

  @Test
  void k4SeesAnEnableThatWritesAnInt3OverAPendingJump() {
    Harness h = optimized(Harness.seed(probe(0, 100)), 0);
    h.api(k -> k.disableKprobe(0)); // UNOPTIMIZING, JMP still there
    h.api(k -> k.enableKprobe(0)); // KP-15: arm writes CC over E9, optimize_kprobe cancels
    h.api(KprobeCore::checkConsistency);
    assertEquals(new KprobeCore.Code(FirstByte.INT3, true, h.aggrAt(100).id), h.code(100));
    List<String> v = Harness.violations(h.last);
    assertTrue(v.size() == 1 && v.get(0).startsWith("K4_CodeMatchesState"), v.toString());
  }

  @Test
  void k3SeesAProbeThatClaimsAListItIsNotOn() {
    Harness h = optimized(Harness.seed(probe(0, 100)), 0);
    h.aggrAt(100).queue = Kprobe.OpList.UNOPTIMIZING; // corrupt: not on unoptimizing_list
    h.api(KprobeCore::checkConsistency);
    assertTrue(
        Harness.violations(h.last).stream().anyMatch(v -> v.startsWith("K3_OneListAtMost")),
        Harness.violations(h.last).toString());
  }

  @Test
  void k11SeesAPatchWithoutTextMutex() {
    Harness h = optimized(Harness.seed(probe(0, 100)), 0);
    h.api(k -> k.textPokeSmp("test", List.of(new CodeChange.JumpRestore(100, h.aggrAt(100).id))));
    List<String> v = Harness.violations(h.last);
    assertTrue(
        v.size() == 1 && v.get(0).startsWith("K11_PatchUnderHotplugAndTextMutex"), v.toString());
  }

  private static int indexOf(List<Effects.Effect> fx, Class<?> c) {
    for (int i = 0; i < fx.size(); i++) if (c.isInstance(fx.get(i))) return i;
    return -1;
  }

  private static int indexOfPoke(List<Effects.Effect> fx, int addr, FirstByte b) {
    for (int i = 0; i < fx.size(); i++) {
      if (Harness.published(List.of(fx.get(i))).contains(new CodeChange.TextPoke(addr, b)))
        return i;
    }
    return -1;
  }

  /**
   * The kernels before the seed (v2.6.36, v2.6.37, {@link PreSeedKprobes}): every transition is
   * immediate, the optimizer has no un-optimisation or free step, and the locks are theirs.
   */
  @Nested
  class PreSeed {
    private Harness of(Kernel k, ProbeDef... defs) {
      return new Harness(KprobeCore.Config.of(k), List.of(defs));
    }

    private static List<KprobeCore.Lock> locks(List<Effects.Effect> fx) {
      List<KprobeCore.Lock> out = new ArrayList<>();
      for (Effects.Effect e : fx) if (e instanceof Effects.LockAcquire l) out.add(l.lock());
      return out;
    }

    @Test
    void theOptimizerWaitsAGracePeriodThenPatchesEachProbeWithItsOwnStopMachine() {
      Harness h = of(Kernel.V2_6_37, probe(0, 100), probe(1, 200), probe(2, 300));
      for (int i = 0; i < 3; i++) h.register(i);
      OptimizerStep[] s = new OptimizerStep[1];
      h.optimizer(k -> s[0] = k.nextOptimizerStep(null));
      assertEquals(OptimizerStep.SYNCHRONIZE, s[0], "synchronize_sched() first");
      h.optimizer(k -> s[0] = k.nextOptimizerStep(OptimizerStep.SYNCHRONIZE));
      assertEquals(OptimizerStep.DO_OPTIMIZE, s[0]);
      h.optimizer(k -> k.optimizerStep(OptimizerStep.DO_OPTIMIZE));
      assertEquals(3, Harness.stopMachines(h.last), "one text_poke_smp() per probe, no batch");
      for (int a : new int[] {100, 200, 300}) {
        assertEquals(State.OPTIMIZED, h.aggrAt(a).state());
        assertEquals(FirstByte.JMP, h.code(a).firstByte());
      }
      h.optimizer(k -> s[0] = k.nextOptimizerStep(OptimizerStep.DO_OPTIMIZE));
      assertEquals(OptimizerStep.END, s[0]);
      boolean[] again = {true};
      h.section(List.of(), k -> again[0] = k.optimizerStep5());
      assertFalse(again[0]);
      assertTrue(h.last.isEmpty(), "no Step 5: no re-kick, no complete_all(): " + h.last);
      assertTrue(Harness.violations(h.log).isEmpty(), Harness.violations(h.log).toString());
    }

    @Test
    void theOptimizerDoesNothingNotEvenTheGracePeriodWhenNothingMayBeOptimised() {
      Harness h = of(Kernel.V2_6_37, probe(0, 100));
      h.register(0);
      h.api(KprobeCore::disarmAllKprobes);
      OptimizerStep[] s = new OptimizerStep[1];
      h.optimizer(k -> s[0] = k.nextOptimizerStep(null));
      assertEquals(OptimizerStep.END, s[0], "goto end: kprobes_all_disarmed");
      Harness f = of(Kernel.V2_6_37, probe(0, 100));
      f.register(0);
      f.core.kprobesAllowOptimization = false;
      f.optimizer(k -> s[0] = k.nextOptimizerStep(null));
      assertEquals(OptimizerStep.END, s[0], "goto end: !kprobes_allow_optimization");
      f.optimizer(
          k -> {
            try {
              k.doUnoptimizeKprobes();
              throw new AssertionError("2.6.37 has no do_unoptimize_kprobes()");
            } catch (IllegalStateException expected) {
              // the kernel has no such step
            }
          });
    }

    @Test
    void unoptimizeAllPatchesEachProbeAtOnceThenWaitsAGracePeriodInsideTheMutex() {
      Harness h = optimized(of(Kernel.V2_6_37, probe(0, 100), probe(1, 200)), 0, 1);
      h.api(k -> k.unoptimizeAllKprobes(true));
      assertEquals(2, Harness.stopMachines(h.last));
      Effects.Effect lastFx = h.last.get(h.last.size() - 1);
      assertTrue(lastFx instanceof Effects.SynchronizeSched, "then synchronize_sched(): " + lastFx);
      assertTrue(h.last.stream().noneMatch(e -> e instanceof Effects.WaitForOptimizer));
      assertTrue(h.core.unoptimizingList.isEmpty() && h.core.optimizingList.isEmpty());
      assertEquals(State.UNOPTIMIZED, h.aggrAt(100).state());
      assertEquals(new KprobeCore.Code(FirstByte.INT3, false, -1), h.code(200));
    }

    @Test
    void disarmAllUnpatchesAndDisarmsAtOnceUnderTheHotplugLock() {
      Harness h = optimized(of(Kernel.V2_6_37, probe(0, 100), probe(1, 200)), 0, 1);
      h.api(KprobeCore::disarmAllKprobes);
      assertEquals(2, Harness.stopMachines(h.last));
      assertEquals(List.of(KprobeCore.Lock.CPU_HOTPLUG, KprobeCore.Lock.TEXT_MUTEX), locks(h.last));
      assertEquals(KprobeCore.Code.ORIG, h.code(100));
      assertEquals(KprobeCore.Code.ORIG, h.code(200));
      assertTrue(Harness.violations(h.log).isEmpty(), Harness.violations(h.log).toString());
    }

    @Test
    void disableUnpatchesAtOnceAndEnableArmsAgainForTheOptimizerToQueue() {
      Harness h = optimized(of(Kernel.V2_6_37, probe(0, 100)), 0);
      Kprobe a = h.aggrAt(100);
      h.api(k -> k.disableKprobe(0));
      assertEquals(1, Harness.stopMachines(h.last), "disarm_kprobe(): unoptimize at once");
      assertTrue(a.disabled());
      assertEquals(State.UNOPTIMIZED, a.state());
      assertEquals(KprobeCore.Code.ORIG, h.code(100));
      h.api(k -> k.enableKprobe(0));
      assertEquals(State.OPTIMIZING, a.state());
      assertEquals(new KprobeCore.Code(FirstByte.INT3, false, -1), h.code(100));
      h.api(KprobeCore::checkConsistency);
      assertTrue(Harness.violations(h.log).isEmpty(), Harness.violations(h.log).toString());
    }

    @Test
    void unregisteringOneOfTwoChildrenKeepsTheAggregatorOptimized() {
      Harness h = optimized(of(Kernel.V2_6_37, probe(0, 100), probe(1, 100)), 0, 1);
      Kprobe a = h.aggrAt(100);
      assertEquals(2, a.list.size());
      h.unregisterTop(0);
      assertEquals(0, Harness.stopMachines(h.last));
      assertEquals(State.OPTIMIZED, a.state(), "optimize_kprobe(old_p): already optimized");
      List<Kprobe> bottom = h.unregisterTop(1);
      assertEquals(1, Harness.stopMachines(h.last), "the last child: disarm_kprobe() unpatches");
      assertNull(h.core.hashed(100));
      h.unregisterBottom(bottom);
      assertTrue(a.freed, "freed in __unregister_kprobe_bottom(), after the grace period");
    }

    @Test
    void killKeepsTheFlagOfAnInstalledJumpAndTouchesNoCode() {
      Harness h = optimized(of(Kernel.V2_6_37, probe(0, 100)), 0);
      Kprobe a = h.aggrAt(100);
      h.api(k -> k.killKprobe(0));
      assertTrue(a.gone());
      assertTrue(a.optimized(), "only a queued probe is dequeued and loses OPTIMIZED");
      assertEquals(0, Harness.stopMachines(h.last));
      assertFalse(KprobeCore.kprobeOptready(a));
    }

    @Test
    void v2637RegisterTakesTheJumpLabelLockAndV2636DoesNot() {
      Harness h37 = of(Kernel.V2_6_37, probe(0, 100));
      h37.register(0);
      assertEquals(
          List.of(
              KprobeCore.Lock.JUMP_LABEL_MUTEX,
              KprobeCore.Lock.CPU_HOTPLUG,
              KprobeCore.Lock.TEXT_MUTEX),
          locks(h37.last));
      Harness h36 = of(Kernel.V2_6_36, probe(0, 100));
      h36.register(0);
      assertEquals(
          List.of(KprobeCore.Lock.CPU_HOTPLUG, KprobeCore.Lock.TEXT_MUTEX), locks(h36.last));
    }

    /**
     * enable_kprobe() takes only text_mutex ("__arm_kprobe() doesn't use stop_machine()"), yet
     * arming a probe inside an optimised neighbour's window un-optimises the neighbour with
     * text_poke_smp(): in v2.6.36 its stop_machine() takes the hotplug lock inside text_mutex (K1,
     * the order SM-3 warns about); in v2.6.37 __stop_machine() runs without the hotplug lock (K11).
     */
    @Test
    void enablingAProbeInsideAnOptimizedWindowPatchesWithoutTheHotplugLockOrTakesItLate() {
      for (Kernel k : new Kernel[] {Kernel.V2_6_36, Kernel.V2_6_37}) {
        Harness h = of(k, probe(0, 100), probe(1, 102));
        h.register(0);
        h.register(1); // inside 100's window: 100 un-optimised
        h.api(c -> c.disableKprobe(1)); // __disarm_kprobe(): "If another kprobe was blocked..."
        h.optimizerRun();
        Kprobe q = h.aggrAt(100);
        assertEquals(State.OPTIMIZED, q.state(), k.label());
        assertTrue(Harness.violations(h.log).isEmpty(), Harness.violations(h.log).toString());
        h.api(c -> c.enableKprobe(1));
        assertEquals(State.UNOPTIMIZED, q.state());
        assertEquals(1, Harness.stopMachines(h.last));
        List<String> v = Harness.violations(h.last);
        assertEquals(1, v.size(), k.label() + ": " + v);
        if (k == Kernel.V2_6_36) {
          assertTrue(v.get(0).startsWith("K1_LockOrder"), v.toString());
          assertEquals(
              List.of(KprobeCore.Lock.TEXT_MUTEX, KprobeCore.Lock.CPU_HOTPLUG), locks(h.last));
        } else {
          assertTrue(v.get(0).startsWith("K11_PatchUnderHotplugAndTextMutex"), v.toString());
          assertEquals(List.of(KprobeCore.Lock.TEXT_MUTEX), locks(h.last));
        }
      }
    }
  }

  /**
   * The int3-patching kernels ({@link ModernKprobes}, 5.2 to 7.3): code is patched with {@code
   * text_poke_bp()} and two-store un-optimisations, no stop_machine; the transitions each fix of
   * spec A.10 changed, before and after it.
   */
  @Nested
  class Modern {
    private Harness of(Kernel k, ProbeDef... defs) {
      return new Harness(KprobeCore.Config.of(k), List.of(defs));
    }

    /** One kprobe_optimizer() run holding the locks this kernel's optimizer holds. */
    private void run(Harness h) {
      List<KprobeCore.Lock> holds = h.core.optimizerHolds();
      OptimizerStep[] s = new OptimizerStep[1];
      h.section(holds, k -> s[0] = k.nextOptimizerStep(null));
      while (s[0] != OptimizerStep.END) {
        OptimizerStep cur = s[0];
        h.section(
            holds,
            k -> {
              if (cur != OptimizerStep.SYNCHRONIZE) k.optimizerStep(cur); // the task's own wait
              s[0] = k.nextOptimizerStep(cur);
            });
      }
      h.section(holds, KprobeCore::optimizerStep5); // under kprobe_mutex (1a0aa991a627)
    }

    private Harness optimizedAt(Kernel k, ProbeDef... defs) {
      Harness h = of(k, defs);
      assertEquals(0, h.register(0));
      run(h);
      assertEquals(State.OPTIMIZED, h.aggrAt(defs[0].addr()).state(), k.label());
      return h;
    }

    /** The text_poke sequences of {@code fx}, one string each: see {@link #shape}. */
    private List<String> pokes(List<Effects.Effect> fx) {
      List<String> out = new ArrayList<>();
      for (Effects.Effect e : fx)
        if (e instanceof Effects.TextPoke t) out.add(t.function() + ":" + shape(t.ops()));
      return out;
    }

    /** D descriptor, I int3, J jump opcode, O original byte, T tail, S sync, N/R retire. */
    private String shape(List<org.kernsim.protocol.textpoke.TextPokeMessage.Op> ops) {
      StringBuilder b = new StringBuilder();
      for (var op : ops) {
        if (op instanceof org.kernsim.protocol.textpoke.TextPokeMessage.Sync) b.append('S');
        else if (op instanceof org.kernsim.protocol.textpoke.TextPokeMessage.Retire) b.append('R');
        else {
          CodeChange c = ((org.kernsim.protocol.textpoke.TextPokeMessage.Write) op).change();
          if (c instanceof CodeChange.PokeDescriptor d) b.append(d.addrs().isEmpty() ? 'N' : 'D');
          else if (c instanceof CodeChange.TextPoke t)
            b.append(t.value() == FirstByte.INT3 ? 'I' : t.value() == FirstByte.JMP ? 'J' : 'O');
          else b.append('T');
        }
      }
      return b.toString();
    }

    @Test
    void theOptimizerPatchesWithTextPokeBpAndWaitsWithRcuTasksNeverStopMachine() {
      Harness h = of(Kernel.V6_1, probe(0, 100));
      h.register(0);
      assertEquals(List.of("arch_arm_kprobe:IS"), pokes(h.log), "text_poke() + text_poke_sync()");
      run(h);
      assertTrue(pokes(h.log).contains("text_poke_bp(optimize):DISTSJSR"), pokes(h.log).toString());
      assertEquals(0, Harness.stopMachines(h.log));
      assertEquals(FirstByte.JMP, h.code(100).firstByte());
      assertEquals(
          List.of(
              KprobeCore.Lock.KPROBE_MUTEX,
              KprobeCore.Lock.CPU_HOTPLUG,
              KprobeCore.Lock.TEXT_MUTEX),
          h.core.optimizerHolds());
      assertTrue(Harness.violations(h.log).isEmpty(), Harness.violations(h.log).toString());
    }

    @Test
    void optimizedIsClearedWhenQueuedUntilF66c0447cca1AndAfterTheCodeIsRestoredFrom55() {
      for (Kernel k : new Kernel[] {Kernel.V5_4, Kernel.V5_5_TIP, Kernel.V5_5, Kernel.V6_1}) {
        Harness h = optimizedAt(k, probe(0, 100));
        Kprobe a = h.aggrAt(100);
        h.api(c -> c.disableKprobe(0));
        assertEquals(Kprobe.OpList.UNOPTIMIZING, a.queue, k.label());
        assertEquals(FirstByte.JMP, h.code(100).firstByte(), "the jump stays until the optimizer");
        assertEquals(k.compareTo(Kernel.V5_5) >= 0, a.optimized(), k.label() + ": OPTIMIZED");
        h.log.clear();
        run(h);
        String unopt =
            k == Kernel.V5_4
                ? "text_poke_bp(unoptimize):DISTSISN" // v5.4: the detour as handler, int3 rewritten
                : "arch_unoptimize_kprobe:ISTS"; // 5.5 rework: two stores, two syncs, no descriptor
        assertTrue(pokes(h.log).contains(unopt), k.label() + " " + pokes(h.log));
        assertEquals(FirstByte.ORIG, h.code(100).firstByte(), "a disabled probe is disarmed");
        assertFalse(a.optimized());
        assertEquals(0, Harness.stopMachines(h.log));
      }
    }

    /** KP-6: e4add247789e's optprobe_queued_unopt() tells UNOPTIMIZING from OPTIMIZING. */
    @Test
    void kp6_aForcedUnoptimizationOfAnUnoptimizingProbeJustDequeuesItIn55() {
      Harness h = optimizedAt(Kernel.V5_5, probe(0, 1000), probe(1, 1002));
      Kprobe u = h.aggrAt(1000);
      h.unregisterTop(0);
      assertTrue(KprobeCore.kprobeUnused(u));
      assertEquals(Kprobe.OpList.UNOPTIMIZING, u.queue);
      h.register(1); // __arm_kprobe(B): unoptimize_kprobe(U, true)
      assertEquals(Kprobe.OpList.NONE, u.queue, "dequeued as if it were OPTIMIZING");
      assertEquals(FirstByte.JMP, h.code(1000).firstByte(), "U's jump stays");
      assertEquals(FirstByte.INT3, h.code(1002).firstByte(), "B's int3 inside U's jump");
      assertSame(u, h.core.hashed(1000), "U stays hashed, on no list: leaked");

      Harness f = optimizedAt(Kernel.V6_13, probe(0, 1000), probe(1, 1002));
      Kprobe fu = f.aggrAt(1000);
      f.unregisterTop(0);
      f.register(1);
      assertEquals(Kprobe.OpList.FREE, fu.queue, "forcibly un-optimised, then freeing_list");
      assertEquals(FirstByte.INT3, f.code(1000).firstByte());
      assertFalse(f.code(1000).rel32(), "the displacement restored");
    }

    /** KP-7: 4fbd2f83fda0 makes Step 1 walk freeing_list when unoptimizing_list is empty. */
    @Test
    void kp7_step1IgnoresFreeingListIn61AndStep4FreesAProbeStillHashed() {
      for (Kernel k : new Kernel[] {Kernel.V6_1, Kernel.V6_13}) {
        Harness h = optimizedAt(k, probe(0, 1000), probe(1, 1002));
        Kprobe u = h.aggrAt(1000);
        h.unregisterTop(0);
        h.register(1);
        assertEquals(Kprobe.OpList.FREE, u.queue, k.label());
        int[] n = new int[1];
        h.section(h.core.optimizerHolds(), c -> n[0] = c.doUnoptimizeKprobes());
        assertEquals(0, n[0]);
        if (k == Kernel.V6_1) {
          assertSame(u, h.core.hashed(1000), "6.1: returned at once, U still hashed");
          h.section(h.core.optimizerHolds(), KprobeCore::doFreeCleanedKprobes);
          assertTrue(u.freed && h.core.hashed(1000) == u, "freed while reachable");
        } else {
          assertNull(h.core.hashed(1000), "6.13: U out of the hash table before it is freed");
          h.section(h.core.optimizerHolds(), KprobeCore::doFreeCleanedKprobes);
          assertTrue(u.freed);
        }
      }
    }

    /** KP-8: f1c97a1b4ef7 makes arch_check_optimized_kprobe() ask "disarmed". */
    @Test
    void kp8_aDisabledNeighbourWithItsJumpStillThereBlocksOnlyFrom613() {
      for (Kernel k : new Kernel[] {Kernel.V6_1, Kernel.V6_13}) {
        Harness h = optimizedAt(k, probe(0, 1002), probe(1, 1000));
        h.api(c -> c.disableKprobe(0)); // Q: UNOPTIMIZING, jump still there
        h.register(1); // P at 1000: its window covers Q
        Kprobe p = h.aggrAt(1000);
        List<String> v = Harness.violations(h.log);
        if (k == Kernel.V6_1) {
          assertEquals(Kprobe.OpList.OPTIMIZING, p.queue, "6.1: Q is disabled, so P may go");
          assertTrue(
              v.size() == 1 && v.get(0).startsWith("K8_NoBreakpointInJumpWindow"), v.toString());
        } else {
          assertEquals(Kprobe.OpList.NONE, p.queue, "6.13: Q is not disarmed");
          assertTrue(v.isEmpty(), v.toString());
        }
      }
    }

    /** KP-9: __recover_optprobed_insn() recovers an UNOPTIMIZING neighbour only from 2023. */
    @Test
    void kp9_anInstructionCopiedFromAnUnoptimizingNeighboursJumpIsCorrupt() {
      for (Kernel k : new Kernel[] {Kernel.V6_1, Kernel.V6_13}) {
        Harness h = optimizedAt(k, probe(0, 1002), probe(1, 1003));
        h.api(c -> c.disableKprobe(0));
        h.register(1);
        assertEquals(k == Kernel.V6_1, h.core.probe(1).corruptInsn, k.label());
      }
    }

    /** KP-16: kill_optimized_kprobe() of v6.13 dequeues, then asks optprobe_queued_unopt(). */
    @Test
    void kp16_killingAnUnusedQueuedProbeLeaksItFrom613() {
      for (Kernel k : new Kernel[] {Kernel.V6_1, Kernel.V6_13}) {
        Harness h = optimizedAt(k, probe(0, 1000), probe(1, 1000));
        Kprobe u = h.aggrAt(1000);
        h.unregisterTop(0);
        h.api(c -> c.killKprobe(0));
        assertTrue(u.gone());
        if (k == Kernel.V6_1) {
          assertEquals(Kprobe.OpList.FREE, u.queue);
          assertNull(h.core.hashed(1000));
          assertEquals(0, h.register(1));
        } else {
          assertEquals(Kprobe.OpList.NONE, u.queue, "never reaches freeing_list");
          assertSame(u, h.core.hashed(1000), "hashed, GONE|DISABLED, unused: leaked");
          assertEquals(KprobeApi.EINVAL, h.register(1), "reuse_unused_kprobe(): no detour");
        }
      }
    }

    @Test
    void reuseUnusedKprobeRescuesAnUnusedProbeAndCancelsItsUnoptimization() {
      Harness h = optimizedAt(Kernel.V6_1, probe(0, 1000), probe(1, 1000));
      Kprobe u = h.aggrAt(1000);
      h.unregisterTop(0);
      assertEquals(Kprobe.OpList.UNOPTIMIZING, u.queue);
      assertEquals(0, h.register(1));
      assertSame(u, h.aggrAt(1000));
      assertEquals(State.OPTIMIZED, u.state(), "optimize_kprobe(): under unoptimizing, dequeue");
      assertEquals(FirstByte.JMP, h.code(1000).firstByte());
    }

    @Test
    void disarmAllForcesTheUnoptimizationAndRemovesTheBreakpointAtOnce() {
      Harness h = optimizedAt(Kernel.V6_1, probe(0, 100));
      Kprobe a = h.aggrAt(100);
      h.api(KprobeCore::disarmAllKprobes);
      assertEquals(Kprobe.OpList.NONE, a.queue, "unoptimize_kprobe(p, kprobes_all_disarmed)");
      assertEquals(FirstByte.ORIG, h.code(100).firstByte());
      assertFalse(h.code(100).rel32());
      assertTrue(
          pokes(h.last)
              .containsAll(List.of("arch_unoptimize_kprobe:ISTS", "arch_disarm_kprobe:OS")),
          pokes(h.last).toString());
    }

    /**
     * f76d1c41b609 (v7.0): do_free_cleaned_kprobes() re-optimises the probe the freed one blocked.
     */
    @Test
    void kp13_theFreeStepReoptimizesTheBlockedNeighbourFrom70() {
      for (Kernel k : new Kernel[] {Kernel.V6_13, Kernel.V7_0}) {
        Harness h = optimizedAt(k, probe(0, 1002), probe(1, 1000));
        h.register(1); // Q at 1000: blocked by P's probe in its window
        run(h);
        Kprobe q = h.aggrAt(1000);
        assertEquals(State.UNOPTIMIZED, q.state(), k.label());
        h.unregisterTop(0);
        run(h);
        if (k == Kernel.V7_0) run(h); // Step 5 kicked again for Q
        assertEquals(k == Kernel.V7_0 ? State.OPTIMIZED : State.UNOPTIMIZED, q.state(), k.label());
      }
    }

    /** KP-10: v5.2's optimizer takes module_mutex before text_mutex, ftrace arming after. */
    @Test
    void kp10_ftraceArmingTakesTextMutexThenModuleMutexIn52And54() {
      for (Kernel k : new Kernel[] {Kernel.V5_2, Kernel.V5_4, Kernel.V6_1}) {
        Harness h = of(k, new ProbeDef(0, "f", 3000, 5, false, true));
        h.register(0);
        List<KprobeCore.Lock> order = new ArrayList<>();
        for (Effects.Effect e : h.last) if (e instanceof Effects.LockAcquire l) order.add(l.lock());
        int text = order.lastIndexOf(KprobeCore.Lock.TEXT_MUTEX);
        boolean moduleInside =
            order.subList(text, order.size()).contains(KprobeCore.Lock.MODULE_MUTEX);
        assertEquals(k != Kernel.V6_1, moduleInside, k.label() + " " + order);
        assertTrue(order.contains(KprobeCore.Lock.FTRACE_LOCK));
        assertTrue(pokes(h.last).isEmpty(), "no int3: ftrace patches its call site");
        assertEquals(FirstByte.ORIG, h.code(3000).firstByte());
        assertNull(h.core.probe(0).parent, "never an optprobe");
      }
      assertEquals(
          List.of(
              KprobeCore.Lock.KPROBE_MUTEX,
              KprobeCore.Lock.CPU_HOTPLUG,
              KprobeCore.Lock.MODULE_MUTEX),
          of(Kernel.V5_2).core.optimizerHolds());
      assertEquals(
          List.of(
              KprobeCore.Lock.KPROBE_MUTEX,
              KprobeCore.Lock.CPU_HOTPLUG,
              KprobeCore.Lock.TEXT_MUTEX,
              KprobeCore.Lock.MODULE_MUTEX),
          of(Kernel.V5_4).core.optimizerHolds());
    }

    @Test
    void theInt3KernelsHaveNoStopMachinePatching() {
      Harness h = of(Kernel.V6_13, probe(0, 100));
      try {
        h.api(c -> c.textPokeSmp("test", List.of()));
        throw new AssertionError("6.13 has no text_poke_smp()");
      } catch (IllegalStateException expected) {
        // the kernel has no such function
      }
    }
  }

  @Nested
  class Predicates {
    @Test
    void flushWorkTouchesTheWorksLockdepMapAsEachErasFlushWorkDoes() {
      // v5.2.1 .. v6.1 __flush_work(): lock_map_acquire(&work->lockdep_map) before looking
      for (Kernel k : List.of(Kernel.V5_2, Kernel.V5_4, Kernel.V6_1)) {
        assertTrue(k.flushTouchesWorkMap(false), k + ": idle work too");
        assertTrue(k.flushTouchesWorkMap(true), k.label());
      }
      // v6.13.7: start_flush_work() returns false before touch_work_lockdep_map() when idle
      assertFalse(Kernel.V6_13.flushTouchesWorkMap(false), "idle work: nothing recorded");
      assertTrue(Kernel.V6_13.flushTouchesWorkMap(true), "pending or running work");
      // v2.6.38 (the flush backport) touches only the workqueue's map: recorded as nothing
      assertFalse(Kernel.V2_6_38.flushTouchesWorkMap(true));
    }

    @Test
    void disarmedAndUnusedFollowTheSeedDefinitions() {
      Harness h = optimized(Harness.seed(probe(0, 100)), 0);
      Kprobe a = h.aggrAt(100);
      assertFalse(KprobeCore.kprobeDisarmed(a));
      h.unregisterTop(0);
      assertTrue(a.disabled());
      assertTrue(KprobeCore.kprobeQueued(a));
      assertFalse(
          KprobeCore.kprobeDisarmed(a), "disabled but queued: its jump is still in the code");
      assertTrue(KprobeCore.kprobeUnused(a));
      assertSame(a, h.core.getOptimizedKprobe(103));
      assertNull(h.core.getOptimizedKprobe(105), "outside the 5-byte window");
      assertNull(h.core.getOptimizedKprobe(100), "i == 0 is the breakpoint case");
    }
  }
}
