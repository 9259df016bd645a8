package org.kernsim.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.schedule.Strategy;
import org.kernsim.engine.schedule.guided.Step;
import org.kernsim.scenario.BadInputException;

class GuidedExplorerTest {

  private static final long UNTIL = 301_000_000_000L;

  /**
   * Seeds 500001..500160 up to 301 s with guided seed 5: the first violation is schedule 143, a
   * continuation (one fork in the warm-up) of seed 500,031, whose own plain run does not violate.
   */
  private static Explorer.Plan plan(long last, int threads) {
    return Explorer.Plan.builder("workqueue-kick-cull")
        .seeds(500_001, last)
        .until(UNTIL)
        .threads(threads)
        .build();
  }

  private static final long LAST = 500_160;

  private static final GuidedExplorer.Params PARAMS = new GuidedExplorer.Params(5, 0.5);

  private static GuidedExplorer.Outcome oneThread;

  private static synchronized GuidedExplorer.Outcome oneThread() {
    if (oneThread == null)
      oneThread = GuidedExplorer.explore(plan(LAST, 1), PARAMS, new Explorer.Listener() {});
    return oneThread;
  }

  /**
   * The same guided seed takes the same schedules (the digest of every schedule's number, seed and
   * chain) and finds the same violating set with the same chains and hashes, on one thread and on
   * two; another guided seed takes other schedules.
   */
  @Test
  void theSameGuidedSeedGivesTheSameSchedulesAndViolationsWhateverTheThreads() {
    GuidedExplorer.Outcome one = oneThread();
    GuidedExplorer.Outcome two =
        GuidedExplorer.explore(plan(LAST, 2), PARAMS, new Explorer.Listener() {});
    assertEquals(160, one.report().schedulesRun());
    assertEquals(one.json().get("schedulesDigest"), two.json().get("schedulesDigest"));
    assertEquals(one.json().get("continuedSchedules"), two.json().get("continuedSchedules"));
    assertTrue((long) one.json().get("continuedSchedules") > 40, "schedules go on from points");
    assertTrue(one.report().violating() >= 1, "a continuation of seed 500031 violates");
    assertEquals(143, one.report().first().index() + 1);
    assertEquals(one.report().violating(), two.report().violating());
    assertEquals(one.chains(), two.chains());
    assertEquals(one.traceSha256(), two.traceSha256());
    assertEquals(
        one.report().violatingKept().stream().map(Explorer.Found::first).toList(),
        two.report().violatingKept().stream().map(Explorer.Found::first).toList());
    GuidedExplorer.Outcome a =
        GuidedExplorer.explore(plan(500_032, 1), PARAMS, new Explorer.Listener() {});
    GuidedExplorer.Outcome b =
        GuidedExplorer.explore(
            plan(500_032, 1), new GuidedExplorer.Params(6, 0.5), new Explorer.Listener() {});
    assertNotEquals(a.json().get("schedulesDigest"), b.json().get("schedulesDigest"));
  }

  /**
   * The outcome of guided seed 5 over seeds 500001..500160 is pinned (taken on main at a1564bf,
   * before the cost cuts: schedules without the trace hash, the corpus's primitive table): the same
   * schedules (digest), corpus and snapshots, and the one violating schedule's chain and
   * traceSha256. A change that makes guided cheaper must not move any of it.
   */
  @Test
  void guidedSeedFivesOutcomeIsPinned() {
    GuidedExplorer.Outcome o = oneThread();
    assertEquals("cd524f021d4770e8", o.json().get("schedulesDigest"));
    assertEquals(22L, o.json().get("snapshotsTaken"));
    assertEquals(139, o.json().get("corpusPoints"));
    assertEquals(1, o.report().violating());
    assertEquals(List.of(new Step(830_427, 256_051_214)), o.chain(142));
    assertEquals(
        "e55f48af1c6ba67766cb4739f217be85ba700dc8972c468179b6672c7bb5acd8",
        o.traceSha256().get(142L));
  }

  /**
   * Every violating guided schedule that goes on from a corpus point (a chain of one fork or more),
   * replayed by its one `run` command, reports the same first violation and the same traceSha256.
   */
  @Test
  void aViolatingGuidedScheduleReplaysByItsRunCommandToTheSameViolationAndHash() {
    Explorer.Plan plan = plan(LAST, 1);
    GuidedExplorer.Outcome o = oneThread();
    int chained = 0;
    for (Explorer.Found f : o.report().violatingKept()) {
      List<Step> chain = o.chain(f.index());
      assertNotNull(chain);
      if (chain.isEmpty()) continue;
      chained++;
      RunSpec spec =
          RunSpec.schedule(
              "workqueue-kick-cull",
              List.of(),
              f.schedule().seed(),
              UNTIL,
              GuidedExplorer.fork(chain));
      String replay = GuidedExplorer.replay(plan, f.schedule().seed(), chain);
      assertEquals(replay, spec.replayCommand());
      assertTrue(
          replay.contains(" --fork-at ") && replay.contains(" --perturb "), "one run: " + replay);
      if (chain.size() > 1) assertTrue(replay.contains(" --then-fork "), replay);
      RunResult again = Runner.run(spec).result();
      assertFalse(again.violations().isEmpty(), "the replay violates: " + replay);
      assertEquals(f.first(), again.violations().get(0), replay);
      assertEquals(o.traceSha256().get(f.index()), again.traceSha256(), replay);
    }
    assertEquals(1, o.chain(142).size(), "schedule 143 goes on from a point of seed 500031's run");
    assertTrue(chained >= 1, "a violating continuation among " + o.report().violating());
    Map<String, Object> first = o.fullJson();
    assertEquals(
        GuidedExplorer.replay(plan, 500_031, o.chain(142)),
        ((Map<?, ?>) first.get("firstViolation")).get("replay"));
  }

  /**
   * A chain whose fork times do not increase is bad input; guided does not fork at a fixed time.
   */
  @Test
  void badChainsAndPlansAreRefused() {
    assertThrows(
        BadInputException.class,
        () ->
            new RunSpec.Fork(1, 1, new Strategy(Strategy.Kind.PCT, 3, 0), List.of(new Step(2, 1))));
    RunSpec spec =
        RunSpec.schedule(
            "workqueue-kick-cull",
            List.of(),
            518,
            UNTIL,
            new RunSpec.Fork(
                299_000_000_000L, 1, Strategy.random(), List.of(new Step(298_000_000_000L, 2))));
    assertThrows(BadInputException.class, () -> Runner.run(spec));
    Explorer.Plan forking =
        Explorer.Plan.builder("workqueue-kick-cull").seeds(1, 2).until(UNTIL).fork(0, 2).build();
    assertThrows(
        BadInputException.class,
        () -> GuidedExplorer.explore(forking, PARAMS, new Explorer.Listener() {}));
  }

  /**
   * Guided with swarm testing (an ablation's fault plan, {@link
   * Ablations#LOST_WAKEUPS_UNTIL_400S}): every schedule runs with its seed's subset of the fault
   * plan (the whole chain), the same guided seed gives the same schedules, per-subset counts,
   * violating set and chains on one thread and two, and every violating schedule, run as its
   * printed replay says (the settings that switch its subset's others off, then the chain), gives
   * the same first violation and traceSha256.
   */
  @Test
  void guidedWithSwarmIsDeterministicAndEveryViolationReplaysWithItsSubset() {
    Explorer.Plan one =
        Explorer.Plan.builder("workqueue-kick-cull")
            .overrides(Ablations.LOST_WAKEUPS_UNTIL_400S)
            .seeds(1, 32)
            .threads(1)
            .swarm(true)
            .build();
    Explorer.Plan two =
        Explorer.Plan.builder("workqueue-kick-cull")
            .overrides(Ablations.LOST_WAKEUPS_UNTIL_400S)
            .seeds(1, 32)
            .threads(2)
            .swarm(true)
            .build();
    GuidedExplorer.Params g = new GuidedExplorer.Params(3, 0.5);
    GuidedExplorer.Outcome a = GuidedExplorer.explore(one, g, new Explorer.Listener() {});
    GuidedExplorer.Outcome b = GuidedExplorer.explore(two, g, new Explorer.Listener() {});
    assertEquals(32, a.report().schedulesRun());
    assertEquals(a.json().get("schedulesDigest"), b.json().get("schedulesDigest"));
    assertEquals(a.report().swarm(), b.report().swarm());
    assertEquals(a.chains(), b.chains());
    assertEquals(a.traceSha256(), b.traceSha256());
    assertEquals(
        a.report().violatingKept().stream().map(Explorer.Found::first).toList(),
        b.report().violatingKept().stream().map(Explorer.Found::first).toList());
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> subsets =
        (Map<String, Map<String, Object>>) a.report().swarm().get("subsets");
    assertTrue(subsets.size() >= 3, "several subsets: " + subsets.keySet());
    long counted = 0;
    for (Map<String, Object> c : subsets.values()) counted += (Long) c.get("schedules");
    assertEquals(32, counted, "every schedule counted in its seed's subset");
    assertTrue((long) a.json().get("continuedSchedules") > 5, "schedules go on from points");
    org.kernsim.run.swarm.Swarm swarm =
        org.kernsim.run.swarm.Swarm.of(
            org.kernsim.models.Models.load(
                "workqueue-kick-cull", Ablations.LOST_WAKEUPS_UNTIL_400S));
    int chained = 0;
    assertTrue(a.report().violating() >= 2, "lost wake-ups violate: " + a.report().violating());
    for (Explorer.Found f : a.report().violatingKept()) {
      long seed = f.schedule().seed();
      List<Step> chain = a.chain(f.index());
      if (!chain.isEmpty()) chained++;
      List<String> sets = GuidedExplorer.settings(one, seed);
      assertEquals(swarm.offSets(swarm.subset(seed)), sets.subList(5, sets.size()));
      assertTrue(swarm.name(swarm.subset(seed)).contains("drop"), "only lost wake-ups violate");
      RunSpec spec =
          RunSpec.schedule("workqueue-kick-cull", sets, seed, -1, GuidedExplorer.fork(chain));
      assertEquals(GuidedExplorer.replay(one, seed, chain), spec.replayCommand());
      RunResult again = Runner.run(spec).result();
      assertEquals(f.first(), again.violations().get(0), spec.replayCommand());
      assertEquals(a.traceSha256().get(f.index()), again.traceSha256(), spec.replayCommand());
    }
    assertTrue(chained >= 1, "a violating continuation among " + a.report().violating());
  }
}
