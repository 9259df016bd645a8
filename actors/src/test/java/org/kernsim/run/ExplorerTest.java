package org.kernsim.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.schedule.Strategy;
import org.kernsim.models.Models;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Scenario;

class ExplorerTest {

  private static final long FORK_AT = 299_000_000_000L;

  /**
   * A forked exploration reports a violating schedule by its identity, and the printed replay (one
   * `run` command) reproduces that very violation.
   */
  @Test
  void aForkedScheduleReplaysToTheSameViolation() {
    for (Strategy st : List.of(Strategy.random(), new Strategy(Strategy.Kind.PCT, 3, 0))) {
      Explorer.Plan plan =
          Explorer.Plan.builder("workqueue-kick-cull")
              .seeds(518, 518)
              .threads(2)
              .stopAtFirst(true)
              .fork(FORK_AT, 200)
              .strategy(st)
              .build();
      Explorer.Report r = Explorer.explore(plan, new Explorer.Listener() {});
      assertNotNull(r.first(), st + ": a violating schedule forked from seed 518");
      Explorer.Found f = r.first();
      assertEquals(518, f.schedule().seed());
      assertTrue(f.schedule().perturbation() >= 1);
      String replay = plan.replay(f.schedule());
      assertTrue(
          replay.startsWith(
              "kernsim run workqueue-kick-cull --seed 518 --fork-at 299s --perturb "
                  + f.schedule().perturbation()),
          replay);
      RunSpec spec =
          RunSpec.schedule(
              "workqueue-kick-cull",
              List.of(),
              518,
              -1,
              new RunSpec.Fork(FORK_AT, f.schedule().perturbation(), st));
      assertEquals(replay, spec.replayCommand());
      RunResult again = Runner.run(spec).result();
      assertFalse(again.violations().isEmpty(), "the replay violates");
      assertEquals(f.first(), again.violations().get(0), st + ": the same violation");
    }
  }

  /** A seed range ending at Long.MAX_VALUE ends; one too large to count is refused. */
  @Test
  void seedRangesAreOverflowSafe() {
    Explorer.Plan last =
        Explorer.Plan.builder("phold")
            .overrides(List.of("phold.entities=4", "phold.ttl=2"))
            .seeds(Long.MAX_VALUE, Long.MAX_VALUE)
            .threads(2)
            .build();
    assertEquals(1, last.schedules());
    assertEquals(1, Explorer.explore(last, new Explorer.Listener() {}).schedulesRun());
    Explorer.Plan forked =
        Explorer.Plan.builder("phold")
            .overrides(List.of("phold.entities=4", "phold.ttl=2"))
            .seeds(Long.MAX_VALUE - 1, Long.MAX_VALUE)
            .threads(2)
            .fork(0, 3)
            .build();
    assertEquals(6, forked.schedules());
    assertEquals(6, Explorer.explore(forked, new Explorer.Listener() {}).schedulesRun());
    Explorer.Plan all = Explorer.Plan.seeds("phold", List.of(), 0, Long.MAX_VALUE, -1, 2);
    assertEquals(-1, all.schedules());
    assertThrows(BadInputException.class, () -> Explorer.explore(all, new Explorer.Listener() {}));
    assertThrows(
        BadInputException.class,
        () ->
            Comparison.compare(
                "phold", List.of(), "phold.ttl", List.of("1", "2"), 0, Long.MAX_VALUE, -1, 2));
  }

  /**
   * Latencies over seeds are one merged histogram (its p50 is the p50 of every value of every
   * seed), and a per-run figure such as a p50 is reported as a distribution over the seeds, never
   * as a sum; counters have totals.
   */
  @Test
  @SuppressWarnings("unchecked")
  void aggregatesOverSeedsAreMergedHistogramsAndDistributions() {
    Scenario s = Models.load("workqueue-kick-cull", List.of());
    Histogram merged = new Histogram(3);
    List<Long> p50s = new ArrayList<>();
    long kicks = 0;
    for (long seed = 1; seed <= 3; seed++) {
      RunResult r = Explorer.runSeed(s, seed, s.until());
      merged.add(r.histograms().get("kickToLockNanos"));
      p50s.add(((Number) r.metrics().get("kickToLockP50Nanos")).longValue());
      kicks += ((Number) r.metrics().get("kicks")).longValue();
    }
    Explorer.Report rep =
        Explorer.explore(
            Explorer.Plan.seeds("workqueue-kick-cull", List.of(), 1, 3, -1, 2),
            new Explorer.Listener() {});
    Map<String, Object> lat = (Map<String, Object>) rep.latencies().get("kickToLockNanos");
    assertEquals(merged.getValueAtPercentile(50), lat.get("p50"));
    assertEquals(merged.getTotalCount(), lat.get("count"));
    Map<String, Object> p50 = (Map<String, Object>) rep.metrics().get("kickToLockP50Nanos");
    assertFalse(p50.containsKey("total"), "a percentile is never summed over seeds");
    long sum = p50s.stream().mapToLong(Long::longValue).sum();
    assertTrue(((Number) p50.get("max")).longValue() < sum, "the p50 of seeds is not their sum");
    assertEquals(
        p50s.stream().mapToLong(Long::longValue).max().getAsLong(),
        ((Number) p50.get("max")).longValue(),
        1 + p50s.get(0) / 500); // the distribution's max, to HdrHistogram's 3 digits
    Map<String, Object> k = (Map<String, Object>) rep.metrics().get("kicks");
    assertEquals(kicks, k.get("total"));
  }

  /**
   * An exploration that violates often streams its violating schedules to the listener, one call
   * each, and keeps no result of theirs.
   */
  @Test
  void violatingSchedulesStreamToTheListener() {
    AtomicLong heard = new AtomicLong();
    Explorer.Report r =
        Explorer.explore(
            Explorer.Plan.seeds(
                "workqueue-kick-cull", List.of("workqueue.pick=tail"), 1, 40, -1, 2),
            new Explorer.Listener() {
              @Override
              public void violating(Explorer.Found f) {
                heard.incrementAndGet();
              }
            });
    assertTrue(r.violating() > 5, "the ablation violates often: " + r.violating());
    assertEquals(r.violating(), heard.get());
    assertEquals(r.violating(), r.violatingKept().size());
    for (int i = 1; i < r.violatingKept().size(); i++)
      assertTrue(r.violatingKept().get(i - 1).index() < r.violatingKept().get(i).index());
  }

  /**
   * One check of a plan, shared by every exploration and the command: each wrong combination is
   * refused naming its option, a good plan passes (and is returned), and {@link Explorer#explore}
   * refuses a bad plan before running anything.
   */
  @Test
  void aPlanIsCheckedByOneValidation() {
    Explorer.Plan.Builder b = Explorer.Plan.builder("phold").seeds(1, 4).threads(2);
    Explorer.Plan good = b.build();
    assertTrue(good == good.validate());
    Map<String, Explorer.Plan> bad = new java.util.LinkedHashMap<>();
    bad.put("--seeds 4..1", Explorer.Plan.builder("phold").seeds(4, 1).build());
    bad.put("--seeds -1..2", Explorer.Plan.builder("phold").seeds(-1, 2).build());
    bad.put("--forks 3: needs --fork-at", Explorer.Plan.builder("phold").fork(-1, 3).build());
    bad.put("--forks 0: must be >= 1", Explorer.Plan.builder("phold").fork(0, 0).build());
    bad.put(
        "--strategy pct: needs --fork-at",
        Explorer.Plan.builder("phold").strategy(new Strategy(Strategy.Kind.PCT, 3, 0)).build());
    bad.put(
        "--swarm: not with --fork-at",
        Explorer.Plan.builder("phold").fork(0, 2).swarm(true).build());
    bad.put(
        "--seeds 0.." + Long.MAX_VALUE + ": more schedules",
        Explorer.Plan.builder("phold").seeds(0, Long.MAX_VALUE).build());
    bad.forEach(
        (message, plan) -> {
          BadInputException e = assertThrows(BadInputException.class, plan::validate);
          assertTrue(e.getMessage().startsWith(message), e.getMessage());
          assertThrows(
              BadInputException.class, () -> Explorer.explore(plan, new Explorer.Listener() {}));
        });
  }
}
