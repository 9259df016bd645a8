package org.kernsim.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kernsim.actors.phold.PholdModel;
import org.kernsim.engine.actor.ActorDriver;
import org.kernsim.scenario.Settings;

class DeterminismTest {

  private static Simulation phold() {
    return new PholdModel()
        .build(
            Settings.defaults(
                new PholdModel(),
                Map.of("phold.entities", "200", "phold.population", "4", "phold.ttl", "20")));
  }

  @Test
  void sameSeedSameHashOnEveryDriver() {
    Simulation sim = phold();
    RunOptions o = RunOptions.of(42, Long.MAX_VALUE);
    RunResult seq = SequentialDriver.run(sim, o);
    RunResult seq2 = SequentialDriver.run(sim, o);
    RunResult a1 = ActorDriver.run(sim, o, 1);
    RunResult a2 = ActorDriver.run(sim, o, 2);
    assertEquals(200L * 4 * 21, seq.events());
    assertEquals(seq.traceSha256(), seq2.traceSha256());
    assertEquals(seq.traceSha256(), a1.traceSha256());
    assertEquals(seq.traceSha256(), a2.traceSha256());
    assertEquals(seq.events(), a2.events());
    assertEquals(seq.windows(), seq2.windows());
    assertEquals(seq.simulatedNanos(), a2.simulatedNanos());
    assertEquals(seq.metrics(), a2.metrics());
  }

  @Test
  void differentSeedsDifferentHashes() {
    Simulation sim = phold();
    String h1 = SequentialDriver.run(sim, RunOptions.of(1, Long.MAX_VALUE)).traceSha256();
    String h2 = SequentialDriver.run(sim, RunOptions.of(2, Long.MAX_VALUE)).traceSha256();
    assertNotEquals(h1, h2);
  }
}
