package org.kernsim.actors.kprobes;

import static org.kernsim.engine.snapshot.StateRows.row;

import java.util.List;
import org.kernsim.protocol.kryo.KryoRegistry;

/**
 * The kprobes model's state classes for snapshots (ids 2300-2599): the manager and its waiters and
 * continuations, the probe table, code memory and the CPUs' views of it, the optimizer, the admin
 * and workload tasks, the checkers, the rcu_tasks kthread and text_poke_bp's records, and the
 * configuration objects they point into.
 */
public final class KprobesState {
  private KprobesState() {}

  /**
   * What kprobes promises, for the liveness phase: every optimizer pass ends, and every API call
   * returns to its caller.
   */
  public static final List<org.kernsim.engine.Obligation> OBLIGATIONS =
      List.of(
          new org.kernsim.engine.Obligation(
              "optimizer pass",
              org.kernsim.protocol.kprobes.KprobeNote.OptimizerRunBegan.class,
              org.kernsim.protocol.kprobes.KprobeNote.OptimizerRunEnded.class,
              (r, p) ->
                  p instanceof org.kernsim.protocol.kprobes.KprobeNote.OptimizerRunBegan b
                      ? b.run()
                      : ((org.kernsim.protocol.kprobes.KprobeNote.OptimizerRunEnded) p).run()),
          new org.kernsim.engine.Obligation(
              "kprobes API call",
              org.kernsim.protocol.kprobes.KprobeNote.ApiEntered.class,
              org.kernsim.protocol.kprobes.KprobeNote.ApiReturned.class,
              (r, p) ->
                  p instanceof org.kernsim.protocol.kprobes.KprobeNote.ApiEntered a
                      ? ((long) a.requester() << 40) ^ a.token()
                      : ((long)
                                  ((org.kernsim.protocol.kprobes.KprobeNote.ApiReturned) p)
                                      .requester()
                              << 40)
                          ^ ((org.kernsim.protocol.kprobes.KprobeNote.ApiReturned) p).token()));

  public static final List<KryoRegistry.Entry> ROWS =
      List.of(
          row(2300, KprobesSim.class),
          row(2301, KprobesConfig.class),
          row(2302, KprobesConfig.Wq.class),
          row(2303, KprobesConfig.OtherWork.class),
          row(2304, KprobeManager.class),
          row(2305, "org.kernsim.actors.kprobes.KprobeManager$Waiter"),
          row(2306, "org.kernsim.actors.kprobes.KprobeManager$FlushWaiter"),
          row(2307, "org.kernsim.actors.kprobes.KprobeManager$Activity"),
          row(2308, KprobeCore.class),
          row(2309, KprobeCore.Config.class),
          row(2310, KprobeCore.Lock.class),
          row(2311, KprobeCore.Code.class),
          row(2312, ProbeDef.class),
          row(2313, Kprobe.class),
          row(2314, Kprobe.OpList.class),
          row(2315, Kprobe.State.class),
          row(2316, CodeMemory.class),
          row(2317, CpuCodeView.class),
          row(2318, CpuCodeView.Cell.class),
          row(2319, CpuCodeView.Cell[].class),
          row(2320, CpuCodeView.Hit.class),
          row(2321, OptimizerWorker.class),
          row(2322, OptimizerRun.class),
          row(2323, AdminTask.class),
          row(2324, Script.Kind.class),
          row(2325, Script.Step.class),
          row(2326, ProbeWorkload.class),
          row(2327, "org.kernsim.actors.kprobes.ProbeWorkload$Pc"),
          row(2328, OtherWork.class),
          row(2329, OptimizerFunction.class),
          row(2330, Kernel.class),
          row(2331, "org.kernsim.actors.kprobes.OptimizerFunction$1"),
          row(2332, GracePeriods.class),
          row(2333, Effects.class),
          row(2334, Effects.Publish.class),
          row(2335, Effects.StopMachine.class),
          row(2336, Effects.Kick.class),
          row(2337, Effects.CompleteAll.class),
          row(2338, Effects.WaitForOptimizer.class),
          row(2339, Effects.SynchronizeSched.class),
          row(2340, Effects.Note.class),
          row(2341, Effects.Violation.class),
          row(2342, Effects.Count.class),
          row(2343, Checkers.K5JumpOnlyAfterGracePeriod.class),
          row(2344, Checkers.K6NoDetourFreedWhileInUse.class),
          row(2345, Checkers.NoHalfPatchedCodeObserved.class),
          row(2346, Checkers.AdminScriptCompletes.class),
          row(2347, Checkers.UnregisterCost.class),
          row(2348, OtherWorkLatency.class),
          row(2350, PreSeedKprobes.class),
          row(2351, OptimizerRun.Request.class),
          row(2352, Effects.LockAcquire.class),
          row(2353, Effects.LockRelease.class),
          row(2354, ModernKprobes.class),
          row(2355, Effects.TextPoke.class),
          row(2356, org.kernsim.actors.rcutasks.RcuTasks.class),
          row(2357, org.kernsim.actors.rcutasks.RcuTasksLogic.class),
          row(2358, "org.kernsim.actors.rcutasks.RcuTasksLogic$Phase"),
          row(2359, "org.kernsim.actors.rcutasks.RcuTasksLogic$Waiter"),
          row(2360, "org.kernsim.actors.textpoke.TextPokeBp$Site"),
          row(2361, "org.kernsim.actors.textpoke.TextPokeBp$Version"),
          row(2362, OptimizerThread.class),
          row(2363, OptimizerThread.State.class),
          row(2364, OptimizerThread.Where.class),
          row(2365, "org.kernsim.actors.kprobes.KprobeManager$PassWaiter"),
          row(2366, NsInitExit.class),
          // the optimizer's step, held in a one-element array by a continuation (KprobeManager)
          row(2367, org.kernsim.protocol.kprobes.OptimizerMessage.OptimizerStep[].class),
          // a caller's kernel code on its own CPU (ids 2800-2809: session admincpu)
          row(2800, CallerCpu.class),
          row(2801, CallerCpu.Resume.class),
          // the CPUs' shared views (ids 2400-2419: session mem)
          row(2401, CpuCodeView.Version.class),
          row(2402, IntTrie.Node.class));
}
