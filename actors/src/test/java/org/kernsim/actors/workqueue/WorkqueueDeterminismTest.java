package org.kernsim.actors.workqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.actor.ActorDriver;
import org.kernsim.models.Models;
import org.kernsim.scenario.Scenario;

/** The workqueue scenario gives the same history on one thread and on Pekko actors. */
class WorkqueueDeterminismTest {

  @Test
  void sequentialAndActorDriversAgreeOnTheKickCullScenario() {
    for (String variant : List.of("original", "deferred-wake", "kicked-list")) {
      Scenario s = Models.load("workqueue-kick-cull", List.of("workqueue.kick=" + variant));
      Simulation sim = s.build();
      RunOptions o = RunOptions.of(518, s.until());
      RunResult seq = SequentialDriver.run(sim, o);
      RunResult again = SequentialDriver.run(s.build(), o);
      RunResult actors = ActorDriver.run(s.build(), o, 2);
      assertEquals(seq.traceSha256(), again.traceSha256(), variant);
      assertEquals(seq.traceSha256(), actors.traceSha256(), variant);
      assertEquals(seq.events(), actors.events(), variant);
      assertEquals(seq.violations(), actors.violations(), variant);
      assertEquals(seq.metrics(), actors.metrics(), variant);
    }
  }

  @Test
  void seedsAndVariantsChangeTheHistory() {
    Scenario s = Models.load("workqueue-kick-cull", List.of());
    String a = SequentialDriver.run(s.build(), RunOptions.of(1, s.until())).traceSha256();
    String b = SequentialDriver.run(s.build(), RunOptions.of(2, s.until())).traceSha256();
    Scenario claim = Models.load("workqueue-kick-cull", List.of("workqueue.kick=claim"));
    String c = SequentialDriver.run(claim.build(), RunOptions.of(1, s.until())).traceSha256();
    assertNotEquals(a, b);
    assertNotEquals(a, c);
  }
}
