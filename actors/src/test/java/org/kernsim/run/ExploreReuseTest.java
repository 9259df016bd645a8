package org.kernsim.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.schedule.Forks;
import org.kernsim.engine.schedule.Strategy;
import org.kernsim.engine.snapshot.StateCodec;
import org.kernsim.models.Models;
import org.kernsim.scenario.Scenario;

/**
 * What explore reuses between schedules to go faster (one simulation per thread, one metrics object
 * per run instead of one per entity, one snapshot codec per exploration, a snapshot's metrics
 * decoded once for all its forks) changes no result. The pinned figures were taken before that
 * reuse existed (main at 642dab7, {@code kernsim run ... --json}); a reused object that kept state
 * from one schedule to the next, or a fork that changed the snapshot's decoded metrics, would
 * change them.
 */
class ExploreReuseTest {

  private static final long FORK_AT = 299_000_000_000L;

  /** One schedule's figures that must not move. */
  private record Figures(
      String sha, long kicks, long p50, long p99, long max, long count, long mean, String first) {}

  private static Figures figures(RunResult r) {
    var h = r.histograms().get("kickToLockNanos");
    return new Figures(
        r.traceSha256(),
        ((Number) r.metrics().get("kicks")).longValue(),
        ((Number) r.metrics().get("kickToLockP50Nanos")).longValue(),
        ((Number) r.metrics().get("kickToLockP99Nanos")).longValue(),
        ((Number) r.metrics().get("kickToLockMaxNanos")).longValue(),
        h.getTotalCount(),
        Math.round(h.getMean()),
        r.violations().isEmpty()
            ? null
            : r.violations().get(0).checker() + "@" + r.violations().get(0).atNanos());
  }

  private static final Map<Long, Figures> PLAIN =
      Map.of(
          1L,
          new Figures(
              "5637cb10ab460dcd49a12b7b23e4cbc8f045ff74808c6fdcb2a8e0781a17a242",
              73,
              10431,
              1106943,
              1106943,
              29,
              183823,
              null),
          2L,
          new Figures(
              "0c3f8e87c9cbbe87ccdd792602cd93eaa2dbf72f42e56b3bc7c081652fef0653",
              85,
              14223,
              1087487,
              1087487,
              25,
              242018,
              null));

  /** Seed 518 forked at 299 s under PCT (depth 3), perturbations 1 and 2. */
  private static final Map<Long, Figures> FORKED =
      Map.of(
          1L,
          new Figures(
              "f58580e4b0893acbf5937a2f803ca07f94591fda0bcf4c73e44b6f0484934e4b",
              82,
              11079,
              1654783,
              1654783,
              26,
              244480,
              null),
          2L,
          new Figures(
              "24b7e23d52140e32be6c402cc425de45b7406b66f3ea5fea24e78f190a18a60c",
              96,
              14863,
              1234943,
              1234943,
              28,
              205168,
              null));

  /** One simulation runs seed after seed, as an explore thread does: each as when run alone. */
  @Test
  void aReusedSimulationGivesEachSeedItsOwnResult() {
    Scenario s = Models.load("workqueue-kick-cull", List.of());
    Simulation sim = s.build();
    for (long seed : new long[] {1, 2, 518, 1}) {
      RunResult r = SequentialDriver.run(sim, RunOptions.of(seed, s.until()));
      if (seed == 518) {
        assertEquals(
            "dbb190c55221d67f4f480d56b8304d21a0cebbdfc4778c8b7d04564b5e48cea2", r.traceSha256());
        assertEquals("NoKickedWorkerCulled@300001749714", figures(r).first());
        assertEquals(1L, ((Number) r.metrics().get("kickedWorkersCulled")).longValue());
      } else {
        assertEquals(PLAIN.get(seed), figures(r), "seed " + seed);
      }
      // a fresh simulation, as `run` builds one
      assertEquals(figures(Explorer.runSeed(s, seed, s.until())), figures(r), "seed " + seed);
    }
  }

  /**
   * Forks of one prefix through a codec shared by the exploration, each run twice (the snapshot's
   * decoded metrics are read by every fork and changed by none), give the pinned figures and those
   * of a prefix made alone with a codec of its own.
   */
  @Test
  void forksFromASharedCodecGiveThePinnedFigures() {
    Scenario s = Models.load("workqueue-kick-cull", List.of());
    Simulation sim = s.build();
    Strategy pct = new Strategy(Strategy.Kind.PCT, 3, 0);
    StateCodec shared = new StateCodec(sim);
    Forks.Prefix prefix = Forks.prefix(sim, shared, 518, FORK_AT, s.until(), pct);
    Forks.Prefix alone = Forks.prefix(s.build(), 518, FORK_AT, s.until());
    for (long p : new long[] {1, 2, 1, 2}) {
      Figures f = figures(Forks.schedule(prefix, pct, p));
      assertEquals(FORKED.get(p), f, "perturbation " + p);
      assertEquals(figures(Forks.schedule(alone, pct, p)), f, "perturbation " + p);
    }
  }

  /** A forked exploration on two threads folds the same aggregate as before. */
  @Test
  @SuppressWarnings("unchecked")
  void aForkedExplorationFoldsThePinnedAggregate() {
    Explorer.Report r =
        Explorer.explore(
            Explorer.Plan.builder("workqueue-kick-cull")
                .seeds(518, 518)
                .threads(2)
                .fork(FORK_AT, 40)
                .strategy(new Strategy(Strategy.Kind.PCT, 3, 0))
                .build(),
            new Explorer.Listener() {});
    assertEquals(40, r.schedulesRun());
    assertEquals(0, r.violating());
    Map<String, Object> lat = (Map<String, Object>) r.latencies().get("kickToLockNanos");
    assertEquals(1191L, lat.get("count"));
    assertEquals(14679L, lat.get("p50"));
    assertEquals(1508351L, lat.get("p99"));
    assertEquals(2144255L, lat.get("max"));
    assertEquals(236982L, lat.get("mean"));
    Map<String, Object> kicks = (Map<String, Object>) r.metrics().get("kicks");
    assertEquals(3796L, kicks.get("total"));
    Map<String, Object> p50 = (Map<String, Object>) r.metrics().get("kickToLockP50Nanos");
    assertEquals(10112L, p50.get("min"));
    assertEquals(15287L, p50.get("max"));
  }
}
