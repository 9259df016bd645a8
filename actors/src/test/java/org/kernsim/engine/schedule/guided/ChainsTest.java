package org.kernsim.engine.schedule.guided;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.Metrics;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.snapshot.StateCodec;
import org.kernsim.models.Models;
import org.kernsim.protocol.snapshot.SimSnapshot;

class ChainsTest {

  /**
   * A guided exploration resumes from many points' snapshots in turn: each snapshot's metrics are
   * decoded once while it lives (not again whenever another snapshot was resumed in between), and a
   * continuation's result does not depend on which snapshots were resumed before it.
   */
  @Test
  void eachSnapshotsMetricsAreDecodedOnceWhateverWasResumedBetween() {
    Simulation sim = Models.load("workqueue-kick-cull", List.of()).build();
    StateCodec codec = new StateCodec(sim);
    RunOptions options = RunOptions.of(11, 301_000_000_000L);
    SimSnapshot a = Chains.snapshotAt(sim, codec, options, null, null, 500_000);
    SimSnapshot b = Chains.snapshotAt(sim, codec, options, null, null, 299_000_000_000L);
    assertNotNull(a);
    assertNotNull(b);
    Metrics ma = codec.metrics(a);
    Metrics mb = codec.metrics(b);
    assertNotSame(ma, mb);
    assertSame(ma, codec.metrics(a), "a's metrics, decoded again after b's");
    assertSame(mb, codec.metrics(b));

    Step viaA = new Step(a.atNanos(), 7);
    RunResult first = Chains.finish(sim, codec, options, a, viaA, null);
    Chains.finish(sim, codec, options, b, new Step(b.atNanos(), 3), null);
    RunResult again = Chains.finish(sim, codec, options, a, viaA, null);
    assertEquals(first.traceSha256(), again.traceSha256());
    assertEquals(first.metrics(), again.metrics());
    StateCodec fresh = new StateCodec(sim);
    RunResult alone = Chains.finish(sim, fresh, options, a, viaA, null);
    assertEquals(first.traceSha256(), alone.traceSha256());
    assertEquals(first.metrics(), alone.metrics());
  }
}
