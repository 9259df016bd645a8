package org.kernsim.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kernsim.actors.phold.PholdModel;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.Simulation;
import org.kernsim.scenario.Settings;

/**
 * The sequential driver's {@code traceSha256} of PHOLD, pinned from main before the driver's event
 * path was made faster (4-ary event heap, one-buffer history digest, identity-hashed record filter
 * and encoder cache; main at 6fd6de0): a change of the event order, of the encoding of a delivered
 * event, of the digest's chunking or of the run hash would move them. PHOLD has thousands of ties
 * on time (1 ns resolution, delays of about 1 µs), so the heap's tie-breaking on destination,
 * source and sequence number is exercised; the second run stops at a limit inside a window.
 */
class SequentialDriverPinTest {

  private static Simulation phold() {
    return new PholdModel()
        .build(
            Settings.defaults(
                new PholdModel(),
                Map.of(
                    "phold.entities", "300",
                    "phold.population", "4",
                    "phold.ttl", "40",
                    "phold.remote", "0.9")));
  }

  @Test
  void pholdHashesAreThoseOfMainBeforeTheFasterEventPath() {
    RunResult all = SequentialDriver.run(phold(), RunOptions.of(7, Long.MAX_VALUE));
    assertEquals(49_200, all.events());
    assertEquals(104, all.windows());
    assertEquals(
        "7671decf588df75ac4e460beba30013031cb9d551a8816b971a244991f8aea93", all.traceSha256());

    RunResult limited = SequentialDriver.run(phold(), RunOptions.of(7, 20_000));
    assertEquals(11_528, limited.events());
    assertEquals(19, limited.windows());
    assertEquals(
        "dd06f822c2eb49ebb6239fac886de7a2f922bba1a483cff51355df167ff2dbc7", limited.traceSha256());
  }
}
