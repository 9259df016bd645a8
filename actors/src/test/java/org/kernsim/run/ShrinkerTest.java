package org.kernsim.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.RunResult;
import org.kernsim.models.Models;
import org.kernsim.scenario.Scenario;

class ShrinkerTest {

  @Test
  void shrinksAViolatingRunToASmallerOneThatStillViolatesTheSameChecker() {
    List<String> base = List.of("workqueue.pick=tail"); // the ablation: violations on most seeds
    Explorer.Report found = Explorer.explore("workqueue-kick-cull", base, 1, 20, -1, 2, true, null);
    assertNotNull(found.firstViolation());
    String checker = found.firstViolation().checker();

    Shrinker.Result r =
        Shrinker.shrink(
            "workqueue-kick-cull", base, found.firstViolationSeed(), checker, -1, 2, 120);
    assertFalse(r.steps().isEmpty(), "nothing was shrunk");
    assertTrue(r.runs() <= 120 + 8, "budget overrun: " + r.runs());
    assertTrue(r.overrides().contains("workqueue.pick=tail"), "the scenario's own overrides stay");
    assertNotNull(r.violation());
    assertEquals(checker, r.violation().checker());

    // the replay is a real repro: the shrunk scenario and seed fire the same checker
    Scenario s = Models.load("workqueue-kick-cull", r.overrides());
    RunResult again = Explorer.runSeed(s, r.seed(), s.until());
    assertTrue(again.violations().stream().anyMatch(v -> v.checker().equals(checker)));
    assertTrue(r.replay().contains("--seed " + r.seed()));
    // and it is smaller: every step lowered a value
    for (Shrinker.Step st : r.steps()) assertTrue(!st.from().equals(st.to()), st.toString());
  }
}
