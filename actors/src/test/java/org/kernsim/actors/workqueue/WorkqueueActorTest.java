package org.kernsim.actors.workqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.TraceObserver;
import org.kernsim.engine.Violation;
import org.kernsim.engine.actor.ActorDriver;
import org.kernsim.models.Models;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.workqueue.PoolReply;
import org.kernsim.protocol.workqueue.PoolRequest;
import org.kernsim.scenario.Scenario;
import org.kernsim.trace.Timeline;

/**
 * The workqueue actors on Pekko, in an {@link ActorTestKit}'s system: the pools, kworkers, CPUs and
 * workload threads run as actors (two partitions), and the run is held to the sequential reference;
 * their messages are checked for the lock protocol: every critical-section request a pool receives
 * is answered exactly once, and a kworker never has two requests outstanding.
 */
class WorkqueueActorTest {
  static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("workqueue-test", ActorDriver.config(2));
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  /** Collects the delivered messages of a run. */
  static final class Messages implements TraceObserver {
    final List<TraceRecord> records = new ArrayList<>();

    @Override
    public void observe(TraceRecord r) {
      records.add(r);
    }
  }

  static boolean answered(PoolRequest r) {
    return !(r instanceof PoolRequest.WorkerRunning
        || r instanceof PoolRequest.WorkerExited
        || r instanceof PoolRequest.PendingCleared
        || r instanceof PoolRequest.IdleTimerFired
        || r instanceof PoolRequest.MaydayTimerFired);
  }

  @Test
  void theKickCullRaceRunsOnActorsAsOnOneThread() {
    Scenario s = Models.load("workqueue-kick-cull", List.of());
    RunOptions o = RunOptions.of(518, s.until());
    RunResult seq = SequentialDriver.run(s.build(), o);
    RunResult actors = ActorDriver.run(kit.system(), s.build(), o, 2);
    assertEquals(seq.traceSha256(), actors.traceSha256());
    assertEquals(seq.violations(), actors.violations());
    assertTrue(
        actors.violations().stream().anyMatch(v -> v.checker().equals("NoKickedWorkerCulled")));
  }

  @Test
  void everyCriticalSectionIsAnsweredOnceAndWorkersSpinOnOneLockAtATime() {
    Scenario s = Models.load("workqueue-kick-cull", List.of("workqueue.kick=deferred-wake"));
    Simulation sim = s.build();
    Messages m = new Messages();
    RunResult r =
        ActorDriver.run(kit.system(), sim, RunOptions.of(7, s.until()).withObserver(m), 2);
    assertTrue(r.events() > 500);
    List<TraceRecord> sorted = new ArrayList<>(m.records);
    sorted.sort(TraceRecord::compare);
    Map<Integer, Integer> outstanding = new HashMap<>();
    int requests = 0;
    int replies = 0;
    for (TraceRecord rec : sorted) {
      if (!(rec instanceof TraceRecord.Delivered d)) continue;
      if (d.payload() instanceof PoolRequest q && answered(q) && d.src() != d.entity()) {
        requests++;
        int n = outstanding.merge(d.src(), 1, Integer::sum);
        assertEquals(
            1, n, () -> sim.entityName(d.src()) + " has two critical sections open at " + d.time());
      } else if (d.payload() instanceof PoolReply) {
        if (d.src() == d.entity()) continue; // a pool queueing its own idle_cull_work
        replies++;
        int n = outstanding.merge(d.entity(), -1, Integer::sum);
        assertEquals(
            0, n, () -> sim.entityName(d.entity()) + " got an unrequested reply at " + d.time());
      }
    }
    assertTrue(requests > 100);
    assertEquals(requests, replies, "every lock request is answered");
  }

  @Test
  void aViolationRendersAsAPerCpuTimeline() {
    Scenario s = Models.load("workqueue-kick-cull", List.of());
    Simulation sim = s.build();
    Timeline.Collector c = new Timeline.Collector(200_000);
    RunResult r =
        ActorDriver.run(
            kit.system(),
            sim,
            RunOptions.of(518, s.until())
                .withStopAtFirstViolation(true)
                .withRecordAll(true)
                .withObservers(List.of(c)),
            2);
    Violation v = r.violations().get(0);
    String table = Timeline.render(c.records(), sim.timeline(), v, 30);
    assertTrue(table.contains("CPU "), table);
    assertTrue(table.contains("set_worker_dying"), table);
    assertTrue(table.contains("KICKED and has NOT RUN"), table);
    assertTrue(table.contains("VIOLATION NoKickedWorkerCulled"), table);
  }
}
