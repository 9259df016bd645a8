package org.kernsim.actors.workqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kernsim.actors.machine.Machine;
import org.kernsim.engine.Checker;
import org.kernsim.engine.EndReason;
import org.kernsim.engine.Latency;
import org.kernsim.protocol.cpu.CpuNote;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.workqueue.WqNote;
import org.kernsim.protocol.workqueue.WqNote.KickSite;

/** The checkers on hand-written note sequences: each can fire, and stays quiet when it should. */
class CheckersTest {
  static final WqTopology TOPO =
      new WqTopology(
          new Machine.Latencies(
              Latency.fixed(200),
              Latency.fixed(5_000),
              Latency.fixed(1_000),
              Latency.fixed(2_000),
              Latency.fixed(100),
              Latency.fixed(200),
              Latency.fixed(1_000_000),
              1_000_000),
          2,
          4);
  static final int POOL = TOPO.unboundPool();
  static final int W = TOPO.worker(2, 0);
  static final int X = TOPO.worker(2, 1);

  static final class Collect implements Checker.Checks {
    final List<String> fired = new ArrayList<>();

    @Override
    public void violation(long atNanos, int entity, String message) {
      fired.add(atNanos + " " + message);
    }

    @Override
    public String name(int entity) {
      return TOPO.name(entity);
    }
  }

  long index;

  TraceRecord note(long t, Object n) {
    return new TraceRecord.Note(t, 0, index++, n);
  }

  @Test
  void noKickedWorkerCulledFiresOnlyIfThePickedWorkerHasNotRun() {
    NoKickedWorkerCulled c = new NoKickedWorkerCulled(TOPO.entityCount());
    Collect k = new Collect();
    c.observe(
        note(
            10,
            new WqNote.Kicked(
                POOL, 0, W, 1, KickSite.QUEUE_WORK, false, false, false, false, true)),
        k);
    c.observe(note(20, new WqNote.WokeUp(POOL, 0, W, 1, true, false)), k);
    c.observe(note(30, new WqNote.WorkerDying(POOL, 1, W, 1, 0, false)), k);
    assertTrue(k.fired.isEmpty(), "it ran between the pick and the cull");
    c.observe(
        note(
            40,
            new WqNote.Kicked(
                POOL, 0, X, 1, KickSite.PROCESS_ONE_WORK, false, false, true, false, true)),
        k);
    c.observe(note(50, new WqNote.WorkerDying(POOL, 1, X, 1, 0, true)), k);
    assertEquals(1, k.fired.size());
    assertTrue(k.fired.get(0).contains("process_one_work, wake deferred"), k.fired.get(0));
  }

  @Test
  void noWakeOfReapedWorkerFiresForABarePointerAndCountsAPinnedOne() {
    NoWakeOfReapedWorker c = new NoWakeOfReapedWorker(TOPO.entityCount());
    Collect k = new Collect();
    c.observe(note(10, new WqNote.DeferredWake(X, 0, POOL, W, 1, false)), k);
    c.observe(note(20, new WqNote.WorkerReaped(POOL, 1, W, 1)), k);
    c.observe(note(30, new WqNote.DeferredWake(X, 0, POOL, W, 2, false)), k); // a new life: fine
    assertTrue(k.fired.isEmpty());
    c.observe(note(40, new WqNote.DeferredWake(X, 0, POOL, W, 1, true)), k);
    assertTrue(k.fired.isEmpty(), "a reference is held: harmless");
    c.observe(note(50, new WqNote.DeferredWake(X, 0, POOL, W, 1, false)), k);
    assertEquals(1, k.fired.size());
    assertTrue(k.fired.get(0).contains("use-after-free"));
    Map<String, Object> m = new LinkedHashMap<>();
    c.contribute(m);
    assertEquals(1L, m.get("wakesOfReapedWorkersPinned"));
    assertEquals(1L, m.get("wakesOfReapedWorkersBare"));
  }

  private void poolState(Checker c, Collect k, long t, int worklist, int running) {
    c.observe(note(t, new WqNote.PoolState(POOL, worklist, 2, 1, running, false, 7)), k);
  }

  @Test
  void noStrandedWorkFiresPastTheBoundAndAtAQuietEnd() {
    NoStrandedWork c = new NoStrandedWork(TOPO, 1_000);
    Collect k = new Collect();
    c.observe(note(0, new WqNote.WorkerCreated(POOL, 0, W, 1)), k);
    c.observe(note(1, new CpuNote.TaskWoken(W, POOL, 1)), k);
    poolState(c, k, 2, 1, 0);
    c.observe(note(3, new CpuNote.TaskBlocked(W, 2)), k); // nobody runnable from t=3
    c.observe(note(500, new CpuNote.TaskWoken(W, POOL, 2)), k); // rescued within the bound
    assertTrue(k.fired.isEmpty());
    c.observe(note(600, new CpuNote.TaskBlocked(W, 3)), k);
    c.observe(note(5_000, new CpuNote.TaskWoken(W, POOL, 3)), k); // waited 4.4 us > 1 us
    assertEquals(1, k.fired.size());
    c.observe(note(6_000, new CpuNote.TaskBlocked(W, 4)), k);
    c.finish(6_100, EndReason.QUIESCENT, k); // nothing more will ever happen
    assertEquals(2, k.fired.size());
    Map<String, Object> m = new LinkedHashMap<>();
    c.contribute(m);
    assertEquals(2L, m.get("strandedWorkItems"));
  }

  @Test
  void noStrandedWorkIgnoresADyingWorkerAndAShortLimitEnd() {
    NoStrandedWork c = new NoStrandedWork(TOPO, 1_000);
    Collect k = new Collect();
    c.observe(note(0, new WqNote.WorkerCreated(POOL, 0, W, 1)), k);
    c.observe(note(1, new CpuNote.TaskWoken(W, POOL, 1)), k);
    poolState(c, k, 2, 1, 0);
    c.observe(note(3, new WqNote.WorkerDying(POOL, 0, W, 1, 0, true)), k);
    poolState(c, k, 3, 1, 0); // W is runnable but dying: it will not look at the worklist
    c.finish(500, EndReason.LIMIT, k);
    assertTrue(k.fired.isEmpty(), "cut by the time limit before the bound");
    NoStrandedWork c2 = new NoStrandedWork(TOPO, 1_000);
    c2.observe(note(0, new WqNote.WorkerCreated(POOL, 0, W, 1)), k);
    c2.observe(note(1, new CpuNote.TaskWoken(W, POOL, 1)), k);
    poolState(c2, k, 2, 1, 0);
    c2.observe(note(3, new WqNote.WorkerDying(POOL, 0, W, 1, 0, true)), k);
    poolState(c2, k, 3, 1, 0);
    c2.finish(5_000, EndReason.LIMIT, k);
    assertEquals(1, k.fired.size(), "a dying runnable worker does not count");
  }

  @Test
  void w3CreditsAPickedWorkerUntilItIsCulled() {
    W3Progress c = new W3Progress(TOPO);
    Collect k = new Collect();
    c.observe(note(0, new WqNote.WorkerCreated(POOL, 0, W, 1)), k);
    c.observe(note(1, new WqNote.WokeUp(POOL, 0, W, 1, true, false)), k);
    c.observe(note(2, new CpuNote.TaskBlocked(W, 2)), k);
    poolState(c, k, 3, 0, 0);
    c.observe(
        note(
            4,
            new WqNote.Kicked(POOL, 0, W, 1, KickSite.QUEUE_WORK, false, false, true, false, true)),
        k);
    poolState(c, k, 4, 1, 0);
    assertTrue(k.fired.isEmpty(), "picked, wake deferred: owed a wake-up");
    c.observe(note(5, new WqNote.WorkerDying(POOL, 1, W, 1, 0, false)), k);
    poolState(c, k, 5, 1, 0);
    assertEquals(1, k.fired.size(), "the only hope was culled");
  }

  @Test
  void w7CatchesADoubleQueueAndAConcurrentRun() {
    W7Pending c = new W7Pending();
    Collect k = new Collect();
    c.observe(note(1, new WqNote.WorkQueued(POOL, 0, 9, X, 1)), k);
    c.observe(note(2, new WqNote.WorkStarted(POOL, 0, W, 9, 0)), k);
    c.observe(note(3, new WqNote.WorkQueued(POOL, 0, 9, X, 1)), k); // requeued while running: fine
    c.observe(note(4, new WqNote.WorkPunted(POOL, 0, 9, W)), k);
    c.observe(note(5, new WqNote.WorkCompleted(POOL, 0, W, 9)), k);
    c.observe(note(6, new WqNote.WorkStarted(POOL, 0, W, 9, 0)), k);
    c.observe(note(7, new WqNote.WorkCompleted(POOL, 0, W, 9)), k);
    assertTrue(k.fired.isEmpty(), k.fired.toString());
    c.observe(note(8, new WqNote.WorkQueued(POOL, 0, 10, X, 1)), k);
    c.observe(note(9, new WqNote.WorkQueued(POOL, 0, 10, X, 2)), k);
    assertEquals(1, k.fired.size(), "queued twice while PENDING");
    c.observe(note(10, new WqNote.WorkStarted(POOL, 0, W, 10, 0)), k);
    c.observe(note(11, new WqNote.WorkQueued(POOL, 0, 10, X, 1)), k);
    c.observe(note(12, new WqNote.WorkStarted(POOL, 0, X, 10, 0)), k);
    assertEquals(2, k.fired.size(), "running twice at once");
  }
}
