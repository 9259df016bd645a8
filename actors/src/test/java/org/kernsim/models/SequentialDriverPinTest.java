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
 * and encoder cache; main at 6fd6de0, re-pinned from main at 96d8bc7 when every channel kept its
 * send order): a change of the event order, of the encoding of a delivered event, of the digest's
 * chunking or of the run hash would move them. PHOLD has thousands of ties on time (1 ns
 * resolution, delays of about 1 µs), so the heap's tie-breaking on destination, source and sequence
 * number is exercised; the second run stops at a limit inside a window.
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
    assertEquals(103, all.windows());
    assertEquals(
        "1ff4b8cf2ba64cb55bfb9e460837f45a2017fc6f6f1246bbaa8c56c574eb19cb", all.traceSha256());

    RunResult limited = SequentialDriver.run(phold(), RunOptions.of(7, 20_000));
    assertEquals(11_505, limited.events());
    assertEquals(19, limited.windows());
    assertEquals(
        "3a648068f53a80fafba8d89e32971ec3edc89911979f85743abfbbd6833c9d7e", limited.traceSha256());
  }
}
