package org.kernsim.actors.kprobes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.actor.ActorDriver;
import org.kernsim.models.Models;
import org.kernsim.protocol.cpu.CpuNote;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.kprobes.KprobeNote;
import org.kernsim.protocol.workqueue.WqNote;
import org.kernsim.scenario.Scenario;

/**
 * {@code kprobes.optimizer=workqueue}: {@code optimizing_work} as a delayed work item on the
 * workqueue model's system_wq (spec A.6.1, C.4, C.6, KX-1, KX-2).
 */
class KprobesOnWorkqueueTest {

  private static final String KX = "kprobes-optimizer-on-workqueue";

  private record Traced(RunResult result, List<TraceRecord> records) {
    List<Object> notes() {
      List<Object> out = new ArrayList<>();
      for (TraceRecord r : records) if (r instanceof TraceRecord.Note n) out.add(n.note());
      return out;
    }
  }

  private static Traced traced(String scenario, long seed, String... sets) {
    Scenario s = Models.load(scenario, List.of(sets));
    List<TraceRecord> records = new ArrayList<>();
    RunResult r =
        SequentialDriver.run(s.build(), RunOptions.of(seed, s.until()).withObserver(records::add));
    return new Traced(r, records);
  }

  private static long optimizingWork(Traced t) {
    for (Object n : t.notes()) if (n instanceof WqNote.ExternalCalled c) return c.item();
    throw new AssertionError("optimizing_work never ran on a kworker");
  }

  @Test
  void theOptimizersSleepsAreKworkerSleepsAndKickAnotherKworker() {
    // seed 2: on seed 1 no other item is pending on the optimizer's pool when it sleeps, since the
    // admin's calls keep CPU 0 (CallerCpu) instead of giving it to the kworkers there
    Traced t = traced(KX, 2);
    assertEquals(Map.of(), KprobesScenarioTest.fired(t.result()));
    long item = optimizingWork(t);
    int runner = -1;
    int pool = -1;
    boolean running = false;
    int sleepsOfRunner = 0;
    int kicksWhileRunnerSleeps = 0;
    int othersStartedWhileItRuns = 0;
    int runnerWokenInsideItsRun = 0;
    Object previous = null;
    for (Object n : t.notes()) {
      if (n instanceof WqNote.ExternalCalled c && c.item() == item) {
        runner = c.worker();
        pool = c.pool();
        running = true;
      } else if (n instanceof WqNote.WorkCompleted c && c.item() == item) {
        running = false;
      } else if (running && n instanceof WqNote.WorkerSleepingNote s && s.worker() == runner) {
        sleepsOfRunner++;
      } else if (running
          && n instanceof WqNote.Kicked k
          && k.pool() == pool
          && k.site() == WqNote.KickSite.WORKER_SLEEPING
          && previous instanceof WqNote.WorkerSleepingNote s
          && s.worker() == runner) {
        assertTrue(k.worker() != runner, "wq_worker_sleeping() kicks another kworker");
        kicksWhileRunnerSleeps++;
      } else if (running
          && n instanceof WqNote.WorkStarted s
          && s.pool() == pool
          && s.worker() != runner) {
        othersStartedWhileItRuns++;
      } else if (running && n instanceof CpuNote.TaskWoken w && w.task() == runner) {
        runnerWokenInsideItsRun++;
      }
      previous = n;
    }
    assertTrue(
        sleepsOfRunner >= 2,
        "the grace period and the stop_machine are sleeps of the kworker: " + sleepsOfRunner);
    assertTrue(
        runnerWokenInsideItsRun >= sleepsOfRunner, "each sleep ends with a wake-up of the kworker");
    assertTrue(
        kicksWhileRunnerSleeps > 0,
        "wq_worker_sleeping() kicks another kworker while the optimizer sleeps");
    assertTrue(
        othersStartedWhileItRuns > 0, "other system_wq items run while the optimizer sleeps");
    assertTrue(KprobesScenarioTest.metric(t.result(), "otherWork.startedWhileOptimizerRuns") > 0);
  }

  @Test
  void kworkersAsRunToCompletionActorsSerialiseTheOtherWorkBehindTheOptimizer() {
    RunResult managed = KprobesScenarioTest.run(KX, 1);
    RunResult ablation =
        KprobesScenarioTest.run(KX, 1, "kprobes.ablation=kworker-run-to-completion");
    assertEquals(Map.of(), KprobesScenarioTest.fired(managed));
    assertEquals(0, KprobesScenarioTest.metric(ablation, "otherWork.startedWhileOptimizerRuns"));
    assertTrue(KprobesScenarioTest.fired(ablation).containsKey("KX2_OtherWorkKeepsRunning"));
    assertTrue(
        KprobesScenarioTest.metric(ablation, "otherWork.queuedToStartMaxNanos")
            > KprobesScenarioTest.metric(managed, "otherWork.queuedToStartMaxNanos"));
  }

  @Test
  void kicksGoThroughTheWorkqueuesDelayedWorkPendingBit() {
    Traced t = traced("kprobes-bulk-unregister", 3, "kprobes.optimizer=workqueue");
    assertEquals(Map.of(), KprobesScenarioTest.fired(t.result()), "K1-K11 and W1-W8 silent");
    int armed = 0;
    int batched = 0;
    int fired = 0;
    int queued = 0;
    int started = 0;
    long item = optimizingWork(t);
    for (Object n : t.notes()) {
      if (n instanceof WqNote.DelayedWorkArmed a && a.item() == item) armed++;
      if (n instanceof KprobeNote.Kicked k && !k.scheduled()) batched++;
      if (n instanceof WqNote.DelayedWorkFired f && f.item() == item) {
        fired++;
        assertEquals(
            KprobesScenarioTest.metric(t.result(), "api.register.ok") > 0 ? 3 : -1,
            f.cpu(),
            "the timer fires on the kicking CPU (the admin's, the last CPU)");
      }
      if (n instanceof WqNote.WorkQueued q && q.item() == item) queued++;
      if (n instanceof WqNote.WorkStarted s && s.item() == item) {
        started++;
        assertEquals(t.result() != null ? s.pool() : -1, s.pool());
      }
    }
    assertEquals(
        2, armed, "register_kprobes() arms optimizing_work once, unregister_kprobes() once");
    assertTrue(
        batched >= 15,
        "schedule_delayed_work() while PENDING is a no-op: 16 kicks batched into one");
    assertEquals(armed, fired);
    assertEquals(armed, queued);
    assertEquals(armed, started);
    assertEquals(2, KprobesScenarioTest.metric(t.result(), "optimizerPasses"));
    assertEquals(0, KprobesScenarioTest.metric(t.result(), "auditHashedProbes"));
  }

  @Test
  void theSeedsWaitAndTheFlushVariantActOnTheWorkqueuesState() {
    // KP-1: the seed's wait reads delayed_work_pending() of the real item: after one completed run
    // it
    // returns at once with probes still queued (K10), as with the dedicated kthread
    RunResult kp1 =
        KprobesScenarioTest.run("kprobes-kp1-broken-wait", 1, "kprobes.optimizer=workqueue");
    assertTrue(
        KprobesScenarioTest.fired(kp1).containsKey("K10_WaitReturnsOnEmptyQueues"),
        "" + KprobesScenarioTest.fired(kp1));
    // KP-2: sysctl 0 before any run completed waits on optimizer_comp holding kprobe_mutex; the
    // kworker running the optimizer sleeps on kprobe_mutex: deadlock
    RunResult kp2 =
        KprobesScenarioTest.run("kprobes-kp2-sysctl-deadlock", 1, "kprobes.optimizer=workqueue");
    assertTrue(
        KprobesScenarioTest.fired(kp2).containsKey("AdminScriptCompletes"),
        "" + KprobesScenarioTest.fired(kp2));
    // the 2012 flush: flush_delayed_work() queues the armed work at once and waits on a barrier
    // inserted after it on the pool: clean
    for (String sc : List.of("kprobes-kp1-broken-wait", "kprobes-kp2-sysctl-deadlock")) {
      RunResult f =
          KprobesScenarioTest.run(
              sc, 1, "kprobes.optimizer=workqueue", "kprobes.wait-for-optimizer=flush");
      assertEquals(Map.of(), KprobesScenarioTest.fired(f), sc);
    }
    RunResult f =
        KprobesScenarioTest.run(
            "kprobes-kp1-broken-wait",
            1,
            "kprobes.optimizer=workqueue",
            "kprobes.wait-for-optimizer=flush");
    assertEquals(
        1,
        KprobesScenarioTest.metric(f, "optimizerFlushQueued"),
        "the armed timer is deleted and the work queued now");
    assertEquals(1, KprobesScenarioTest.metric(f, "flushBarriersInserted"));
  }

  @Test
  void theFlushWaitsForABarrierBehindTheItemOnItsPool() {
    Traced t =
        traced(
            "kprobes-kp1-broken-wait",
            1,
            "kprobes.optimizer=workqueue",
            "kprobes.wait-for-optimizer=flush");
    long item = optimizingWork(t);
    boolean inserted = false;
    boolean barrierRan = false;
    boolean flushedQueue = false;
    for (Object n : t.notes()) {
      if (n instanceof WqNote.DelayedWorkFired f && f.item() == item) flushedQueue = true;
      if (n instanceof WqNote.BarrierInserted b) {
        assertEquals(item, b.target());
        inserted = true;
      }
      if (inserted && n instanceof WqNote.WorkStarted s && (s.item() & 0x8000_0000L) != 0)
        barrierRan = true;
    }
    assertTrue(flushedQueue);
    assertTrue(inserted, "flush_work() inserts a barrier after optimizing_work");
    assertTrue(barrierRan, "a kworker runs the barrier after the item: the flush returns");
  }

  @Test
  void sameHashOnTheSequentialAndActorDrivers() {
    Scenario s = Models.load(KX, List.of("kprobes.other-work.items=100"));
    Simulation sim = s.build();
    RunOptions o = RunOptions.of(7, s.until());
    RunResult seq = SequentialDriver.run(sim, o);
    RunResult act = ActorDriver.run(sim, o, 2);
    assertEquals(seq.traceSha256(), act.traceSha256());
    assertEquals(seq.events(), act.events());
    assertEquals(Map.copyOf(seq.metrics()), Map.copyOf(act.metrics()));
  }

  /**
   * traceSha256 pinned: the workqueue model's from before optimizer=workqueue was composed with it
   * (re-pinned when the per-entity history digest became chunk-chained, ADR 005: the runs are the
   * same, the hash of each history is defined differently); the kprobes model's re-pinned when the
   * kernels became one setting (the optimizer protocol names each next step, the lock-order
   * checker's notes, and a kernel section stays non-preemptible between its probe hits), and again
   * when text_poke() became a blocking request to code memory whose stores are published one at a
   * time (the int3-patching eras share it), and again when every channel kept its send order
   * (ChannelClock: code memory's publications and view updates no longer overtake each other; the
   * workqueue runs pinned here had no overtaking message).
   */
  @Test
  void dedicatedAndWorkqueueModelHashesAreUnchanged() {
    Map<String, String> pinned =
        Map.of(
            "kprobes-bulk-unregister 1",
                "6557cc9dda0b77c34edb8aa1cfdf905a0f7ffedc2940e3eb91b28f6cbb669386",
            "kprobes-bulk-unregister 2",
                "8da0a286061e878f0941d968701b59afa8d3c12ed1b69560ba81ea702734a6e9",
            "kprobes-kp1-broken-wait 1",
                "595654c3ca92f9ed951ccb7f92dba1c0a4b59b05e3f7070869d75580a8bc727e",
            "kprobes-kp3-disarm-all 2",
                "7ae4e0b50bfe49168bbe8bbf17f901d9b90a03b5e045f56366051933b36be438",
            "workqueue-kick-cull 1",
                "5637cb10ab460dcd49a12b7b23e4cbc8f045ff74808c6fdcb2a8e0781a17a242",
            "workqueue-kick-cull 2",
                "0c3f8e87c9cbbe87ccdd792602cd93eaa2dbf72f42e56b3bc7c081652fef0653");
    for (Map.Entry<String, String> e : pinned.entrySet()) {
      String[] k = e.getKey().split(" ");
      Scenario s = Models.load(k[0], List.of());
      RunResult r = SequentialDriver.run(s.build(), RunOptions.of(Long.parseLong(k[1]), s.until()));
      assertEquals(e.getValue(), r.traceSha256(), e.getKey());
    }
    RunResult flush =
        KprobesScenarioTest.run("kprobes-kp3-disarm-all", 1, "kprobes.wait-for-optimizer=flush");
    assertEquals(
        "ca0d42ccb676552c015cc69bd9b293275da8b927302242537fdf906fa9e63774", flush.traceSha256());
    assertFalse(KprobesScenarioTest.fired(flush).containsKey("K10_WaitReturnsOnEmptyQueues"));
  }
}
