package org.kernsim.run.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.models.Models;
import org.kernsim.run.Ablations;
import org.kernsim.run.Explorer;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Scenario;

/**
 * Swarm testing: a schedule's subset of the fault plan is a function of its seed, a swarm
 * exploration is deterministic, and the printed replay (one {@code run} command) reproduces a
 * violating schedule's violation.
 */
class SwarmTest {

  static Explorer.Plan plan(int threads) {
    return Explorer.Plan.builder("workqueue-kick-cull")
        .overrides(Ablations.LOST_WAKEUPS_UNTIL_400S)
        .seeds(1, 12)
        .threads(threads)
        .swarm(true)
        .build();
  }

  @Test
  void aSchedulesSubsetIsAFunctionOfItsSeed() {
    Swarm swarm = Swarm.of(Models.load("workqueue-kick-cull", Ablations.LOST_WAKEUPS_UNTIL_400S));
    assertEquals(
        List.of("delay", "drop"), swarm.components().stream().map(Swarm.Component::name).toList());
    Set<Long> seen = new HashSet<>();
    for (long seed = 1; seed <= 200; seed++) {
      long s = swarm.subset(seed);
      assertEquals(s, swarm.subset(seed), "seed " + seed);
      assertEquals(s, Swarm.subset(seed, 2));
      assertTrue(s >= 0 && s < 4);
      seen.add(s);
    }
    assertEquals(Set.of(0L, 1L, 2L, 3L), seen, "every subset of two components is drawn");
    assertEquals(List.of("faults.drop.probability=0"), swarm.offSets(0b01));
    assertEquals("delay", swarm.name(0b01));
    assertEquals("none", swarm.name(0));
    assertEquals("delay+drop", swarm.name(0b11));
    Scenario delayOnly = swarm.scenarioOf(0b01);
    assertEquals(0.0, delayOnly.settings().number("faults.drop.probability"));
    assertEquals(0.1, delayOnly.settings().number("faults.delay.probability"));
    assertEquals("claim", delayOnly.settings().text("workqueue.kick"));
  }

  /** A hotplug plan is switched off by an empty plan, which its replay's --set parses back. */
  @Test
  void aHotplugPlanIsAComponentSwitchedOffByAnEmptyPlan() {
    Swarm swarm = Swarm.of(Models.load("machine-hotplug", List.of()));
    assertEquals(
        List.of("hotplug-plan"), swarm.components().stream().map(Swarm.Component::name).toList());
    assertEquals(List.of("faults.hotplug.plan="), swarm.offSets(0));
    Scenario off = swarm.scenarioOf(0);
    assertEquals("", off.settings().text("faults.hotplug.plan"));
    assertNotNull(off.build());
    Scenario replayed = Models.load("machine-hotplug", swarm.offSets(0));
    assertEquals("", replayed.settings().text("faults.hotplug.plan"));
    assertFalse(swarm.scenarioOf(1).settings().text("faults.hotplug.plan").isEmpty());
  }

  @Test
  void anEmptyFaultPlanIsBadInput() {
    BadInputException e =
        assertThrows(
            BadInputException.class, () -> Swarm.of(Models.load("workqueue-kick-cull", List.of())));
    assertTrue(
        e.getMessage().startsWith("--swarm: the scenario's fault plan is empty"), e.getMessage());
    assertThrows(
        BadInputException.class,
        () ->
            Explorer.Plan.builder("workqueue-kick-cull")
                .overrides(Ablations.LOST_WAKEUPS_UNTIL_400S)
                .seeds(1, 2)
                .fork(299_000_000_000L, 2)
                .swarm(true)
                .build()
                .validate());
  }

  @Test
  void aSwarmExplorationIsDeterministicAndItsReplayGivesTheSameViolation() {
    Explorer.Report a = Explorer.explore(plan(2), new Explorer.Listener() {});
    Explorer.Report b = Explorer.explore(plan(1), new Explorer.Listener() {});
    List<Long> va = a.violatingKept().stream().map(f -> f.schedule().seed()).sorted().toList();
    List<Long> vb = b.violatingKept().stream().map(f -> f.schedule().seed()).sorted().toList();
    assertFalse(va.isEmpty(), "lost wake-ups leave work that never runs on some seeds");
    assertEquals(va, vb);
    assertEquals(a.swarm(), b.swarm(), "per-subset counts");
    assertEquals(a.events(), b.events());
    assertNotNull(a.swarm());

    Swarm swarm = Swarm.of(Models.load("workqueue-kick-cull", Ablations.LOST_WAKEUPS_UNTIL_400S));
    long subsetRuns = 0;
    @SuppressWarnings("unchecked")
    var per = (java.util.Map<String, java.util.Map<String, Object>>) a.swarm().get("subsets");
    for (var v : per.values()) subsetRuns += ((Number) v.get("schedules")).longValue();
    assertEquals(a.schedulesRun(), subsetRuns);

    // every violating schedule, replayed as its printed command says, gives its first violation
    for (Explorer.Found f : a.violatingKept()) {
      long seed = f.schedule().seed();
      List<String> sets = new ArrayList<>(Ablations.LOST_WAKEUPS_UNTIL_400S);
      sets.addAll(swarm.offSets(swarm.subset(seed)));
      String replay = plan(1).replay(f.schedule());
      StringBuilder expected = new StringBuilder("kernsim run workqueue-kick-cull --seed " + seed);
      for (String s : sets) expected.append(" --set ").append(s);
      assertEquals(expected.toString(), replay);
      Scenario sc = Models.load("workqueue-kick-cull", sets);
      RunResult r = SequentialDriver.run(sc.build(), RunOptions.of(seed, sc.until()));
      assertFalse(r.violations().isEmpty(), replay);
      assertEquals(f.first(), r.violations().get(0), replay);
      // and the subset it ran with is in its per-subset count
      assertTrue(per.containsKey(swarm.name(swarm.subset(seed))));
    }
  }
}
