package org.kernsim.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.Violation;
import org.kernsim.engine.schedule.guided.Step;

/**
 * Shrinking a coverage-guided schedule's chain: the result is never longer than the input, fires
 * the same checker, and its printed replay (one {@code run} command) fires it again.
 */
class ChainShrinkerTest {

  private static final long UNTIL = 301_000_000_000L;
  private static final String CHECKER = "NoKickedWorkerCulled";

  /** The replay of a shrunk schedule, as its one {@code run} command says. */
  private static RunResult replay(ChainShrinker.Result s) {
    RunSpec spec =
        RunSpec.schedule(
            "workqueue-kick-cull",
            s.overrides(),
            s.seed(),
            s.until(),
            GuidedExplorer.fork(s.chain()));
    assertEquals(s.replay(), spec.replayCommand());
    return Runner.run(spec).result();
  }

  private static Violation first(RunResult r) {
    return r.violations().stream()
        .filter(v -> v.checker().equals(CHECKER))
        .findFirst()
        .orElse(null);
  }

  /**
   * Run 11's first guided violation (docs/exploration.md): a chain of three forks of seed 1,100,052
   * none of whose seven proper sub-chains violates. The shrunk schedule has at most three forks, is
   * smaller in some way (a fork dropped or moved later, a setting lowered, the run ended at the
   * violation), and its replay command fires the same checker with the same first violation.
   */
  @Test
  void runElevensThreeForkChainShrinksToASmallerScheduleThatStillViolatesOnReplay() {
    List<Step> chain =
        List.of(
            new Step(872_865, 1_816_714_274),
            new Step(300_000_000_001L, 1_496_183_108),
            new Step(300_001_010_554L, 2_142_503_478));
    ChainShrinker.Result s =
        ChainShrinker.shrink(
            "workqueue-kick-cull", List.of(), 1_100_052, chain, CHECKER, UNTIL, 30);
    assertTrue(s.chain().size() <= chain.size(), s.chain().toString());
    assertFalse(s.minimal(), "the run can at least end at the violation");
    assertTrue(s.runs() <= 31, "the budget (and the check of the input) bounds the trials");
    assertTrue(
        s.tried().containsKey("drop a fork")
            && s.tried().containsKey("drop a fork, draw the last again"),
        s.tried().toString());
    assertNotNull(s.violation());
    assertEquals(CHECKER, s.violation().checker());
    RunResult again = replay(s);
    assertEquals(s.violation(), first(again), s.replay());
    assertTrue(s.until() < UNTIL || s.chain().size() < 3 || !s.overrides().isEmpty(), s.replay());
  }

  /**
   * A fork after the violation changes nothing before it: dropping it gives the plain seed (518
   * violates on its own at 300.0017 s; its run ends at 300.032 s), which the shrinker finds.
   */
  @Test
  void aForkAfterTheViolationIsDropped() {
    List<Step> chain = List.of(new Step(300_010_000_000L, 7));
    ChainShrinker.Result s =
        ChainShrinker.shrink("workqueue-kick-cull", List.of(), 518, chain, CHECKER, UNTIL, 40);
    assertEquals(List.of(), s.chain());
    assertTrue(
        s.changes().stream()
            .anyMatch(c -> c.what().equals("forks") && c.to().equals("the plain seed")),
        s.changes().toString());
    assertEquals(s.violation(), first(replay(s)), s.replay());
  }

  /** A schedule that does not fire the checker is not shrunk. */
  @Test
  void aScheduleThatDoesNotViolateIsRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            ChainShrinker.shrink(
                "workqueue-kick-cull", List.of(), 1, List.of(), CHECKER, UNTIL, 10));
  }
}
