package org.kernsim.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.EndReason;
import org.kernsim.engine.Liveness;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.TraceObserver;
import org.kernsim.engine.Violation;
import org.kernsim.protocol.cpu.CpuNote;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Scenario;

/**
 * The liveness phase: at liveness.faults-off-at every fault stops, and what was open then must be
 * done within liveness.bound. The kernel's workqueue converges after injected preemptions; lost
 * wake-ups (the drop ablation, not the kernel) leave work that never runs, and the Liveness checker
 * names it.
 */
class LivenessTest {

  private static final List<String> PHASE =
      List.of("liveness.faults-off-at=300002ms", "liveness.bound=1s");

  private static List<String> with(String... sets) {
    List<String> l = new ArrayList<>(PHASE);
    l.addAll(List.of(sets));
    return l;
  }

  /** Collects the stolen-time notes (injected preemptions) of a run. */
  static final class Steals implements TraceObserver {
    final List<Long> at = new ArrayList<>();

    @Override
    public Set<Class<?>> observes() {
      return Set.of(CpuNote.TimeStolen.class);
    }

    @Override
    public void observe(TraceRecord r) {
      if (r instanceof TraceRecord.Note n && n.note() instanceof CpuNote.TimeStolen)
        at.add(r.time());
    }

    @Override
    public void finish(long endNanos, EndReason reason) {}
  }

  @Test
  void theKernelConvergesOnceTheFaultsStop() {
    Scenario s = Models.load("workqueue-kick-cull", with("faults.preempt.rate=3000"));
    for (long seed = 1; seed <= 4; seed++) {
      Steals steals = new Steals();
      RunResult r =
          SequentialDriver.run(s.build(), RunOptions.of(seed, s.until()).withObserver(steals));
      assertTrue(steals.at.stream().anyMatch(t -> t < 300_002_000_000L), "faults before");
      assertTrue(
          steals.at.stream().allMatch(t -> t < 300_002_000_000L),
          "no injected preemption after the faults stopped: " + steals.at);
      assertFalse(
          r.violations().stream().anyMatch(v -> v.checker().equals(Liveness.NAME)),
          "seed " + seed + ": " + r.violations());
    }
  }

  @Test
  void lostWakeUpsLeaveWorkThatNeverRunsAndLivenessNamesIt() {
    Scenario s = Models.load("workqueue-kick-cull", with("faults.drop.probability=0.3"));
    int fired = 0;
    for (long seed = 1; seed <= 6; seed++) {
      RunResult r = SequentialDriver.run(s.build(), RunOptions.of(seed, s.until()));
      for (Violation v : r.violations()) {
        if (!v.checker().equals(Liveness.NAME)) continue;
        fired++;
        assertTrue(v.message().contains("queued work item(s) still not done"), v.message());
        assertTrue(v.message().contains("after the faults stopped at 300.002000 s"), v.message());
        assertEquals(301_002_000_000L, v.atNanos());
      }
    }
    assertTrue(fired > 0, "lost wake-ups strand work on some of 6 seeds");
  }

  @Test
  void aPhaseThatEndsAfterTheRunIsRefused() {
    Scenario s =
        Models.load(
            "workqueue-kick-cull", List.of("liveness.faults-off-at=659s", "liveness.bound=2s"));
    assertThrows(BadInputException.class, s::build);
    Scenario off = Models.load("workqueue-kick-cull", List.of("liveness.faults-off-at=nope"));
    assertThrows(BadInputException.class, off::build);
  }

  /** A run with a liveness phase snapshots and resumes like any other (the checker included). */
  @Test
  void snapshotsCarryTheLivenessChecker() {
    SnapshotTest.sameRun(
        "workqueue-kick-cull", with("faults.drop.probability=0.3"), 1, "300001ms", "300500ms");
  }
}
