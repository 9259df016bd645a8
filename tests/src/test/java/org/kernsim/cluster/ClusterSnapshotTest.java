package org.kernsim.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.kernsim.engine.EndReason;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.models.Models;
import org.kernsim.protocol.kryo.KryoRegistry;
import org.kernsim.protocol.snapshot.SimSnapshot;
import org.kernsim.scenario.Durations;
import org.kernsim.scenario.Scenario;

/**
 * Snapshots on a 3-node cluster (Artery TCP, Kryo, serialize-messages on): the entities' states are
 * written on the nodes that host them and cross the wire to the coordinator, and a resumed run
 * ships each node its share. A snapshot taken on the cluster and resumed on the cluster — or taken
 * on one thread and resumed on the cluster — ends with the uninterrupted run's traceSha256.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterSnapshotTest {

  private LocalCluster cluster;

  @BeforeAll
  void start() {
    cluster = LocalCluster.start(3);
  }

  @AfterAll
  void stop() {
    if (cluster != null) cluster.close();
  }

  private static SimSnapshot roundTrip(SimSnapshot s) {
    Kryo kryo = KryoRegistry.newKryo(() -> null);
    Output out = new Output(1 << 16, -1);
    kryo.writeClassAndObject(out, s);
    return (SimSnapshot) kryo.readClassAndObject(new Input(out.toBytes()));
  }

  private void sameRunThroughSnapshots(
      String name, List<String> sets, long seed, String at, boolean alsoFromOneThread) {
    Scenario s = Models.load(name, sets);
    long atNanos = Durations.parse(at);
    RunResult whole = SequentialDriver.run(s.build(), RunOptions.of(seed, s.until()));

    AtomicReference<SimSnapshot> onCluster = new AtomicReference<>();
    RunOptions taking =
        RunOptions.of(seed, s.until())
            .withSnapshot(
                new RunOptions.Snapshots(
                    atNanos, s.settings().asOverrides(), false, onCluster::set));
    RunResult through = cluster.run(s, taking, 3, 2).result();
    assertEquals(whole.traceSha256(), through.traceSha256(), name + ": run that took a snapshot");
    assertNotNull(onCluster.get(), name + ": the cluster took the snapshot");

    AtomicReference<SimSnapshot> onOneThread = new AtomicReference<>();
    SequentialDriver.run(
        s.build(),
        RunOptions.of(seed, s.until())
            .withSnapshot(
                new RunOptions.Snapshots(
                    atNanos, s.settings().asOverrides(), true, onOneThread::set)));
    assertEquals(onOneThread.get().pending(), onCluster.get().pending(), name + ": pending");

    for (SimSnapshot snap :
        alsoFromOneThread
            ? List.of(onCluster.get(), onOneThread.get())
            : List.of(onCluster.get())) {
      RunOptions resuming = RunOptions.of(0, s.until()).resumingFrom(roundTrip(snap));
      RunResult resumed = cluster.run(s, resuming, 3, 2).result();
      String what = name + " resumed on 3 nodes at " + at;
      assertEquals(whole.traceSha256(), resumed.traceSha256(), what);
      assertEquals(whole.events(), resumed.events(), what);
      // rounds are each driver's own (ADR 006): no windows to compare with the sequential run
      assertEquals(whole.violations(), resumed.violations(), what);
      assertEquals(Map.copyOf(whole.metrics()), Map.copyOf(resumed.metrics()), what);
      assertEquals(EndReason.LIMIT, resumed.endReason(), what);
    }
  }

  @Test
  void workqueueMidBurst() {
    sameRunThroughSnapshots(
        "workqueue-kick-cull", List.of("scenario.until=300030ms"), 7, "300000900us", true);
  }

  @Test
  void machineAcrossNumaNodes() {
    sameRunThroughSnapshots(
        "machine-stop", List.of("machine.numa-nodes=3", "machine.cpus=12"), 3, "2500us", false);
  }
}
