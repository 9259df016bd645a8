package org.kernsim.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernsim.config.KernsimSettings;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.TraceObserver;
import org.kernsim.engine.actor.Coordinator;
import org.kernsim.engine.cluster.ClusterDriver;
import org.kernsim.models.Models;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.scenario.Scenario;
import org.kernsim.trace.TraceFileWriter;

/**
 * A node that leaves mid-run: the others go on from the last snapshot (they take over its
 * partitions), and the run ends as if nothing had happened — the same traceSha256, events and
 * violations, and a trace file byte for byte the single-node run's (the observers see the stretch
 * of virtual time between the snapshot and the loss once). Snapshots are taken at round ends (ADR
 * 006): a round may span many windows. The SIGKILL of a real node JVM is in
 * MultiProcessClusterTest.
 */
class NodeRecoveryTest {

  @Test
  void aRunSurvivesALeavingNodeWithTheSameHashAndTrace(@TempDir Path dir) throws Exception {
    try (LocalCluster cluster = LocalCluster.start(3)) {
      Scenario s =
          Models.load(
              "machine-stop",
              List.of("machine.cpus=12", "machine.numa-nodes=3", "scenario.until=8ms"));
      Simulation sim = s.build();
      Path trace = dir.resolve("recovered.jsonl");
      TraceFileWriter writer =
          new TraceFileWriter(trace, sim::entityName, Map.of("scenario", "machine-stop"));
      AtomicLong windows = new AtomicLong();
      AtomicLong lastEnd = new AtomicLong(-1);
      AtomicLong repeated = new AtomicLong();
      TraceObserver progress =
          new TraceObserver() {
            @Override
            public void observe(TraceRecord r) {}

            @Override
            public void windowCompleted(long end) {
              if (end <= lastEnd.getAndSet(end)) repeated.incrementAndGet(); // seen before
              windows.incrementAndGet();
            }
          };
      KernsimSettings.Cluster cs =
          KernsimSettings.from(cluster.system(0).settings().config()).cluster();
      CompletableFuture<ClusterDriver.Outcome> run =
          CompletableFuture.supplyAsync(
              () ->
                  ClusterDriver.run(
                      cluster.system(0),
                      Models::simulation,
                      Models.clusterJob(s, sim),
                      RunOptions.of(5, s.until()).withObserver(writer).withProgress(progress),
                      // every round speculative (ADR 108): the node leaves in the middle of
                      // rounds that run past their horizons and are kept or undone (177 rounds)
                      ClusterDriver.Target.of(3, 2, cs)
                          .withRecovery(20, true)
                          .withSpeculation(Coordinator.Speculation.ALWAYS)));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (windows.get() < 60) {
        if (run.isDone()) fail("the run ended before the node was stopped: " + run.get());
        if (System.nanoTime() > deadline) fail("the run made no progress");
        Thread.sleep(5);
      }
      String lost = Cluster.get(cluster.system(2)).selfMember().address().toString();
      cluster.kits.get(2).system().terminate();
      ClusterDriver.Outcome out = run.get(90, TimeUnit.SECONDS);
      writer.complete(out.result().traceSha256(), out.result().events());
      Simulation sim1 = s.build();
      Path reference = dir.resolve("one.jsonl");
      TraceFileWriter w1 =
          new TraceFileWriter(reference, sim1::entityName, Map.of("scenario", "machine-stop"));
      RunResult one = SequentialDriver.run(sim1, RunOptions.of(5, s.until()).withObserver(w1));
      w1.complete(one.traceSha256(), one.events());
      System.out.println(
          "recovered: "
              + out.recoveries().get(0).lost()
              + " from round "
              + out.recoveries().get(0).snapshotWindow()
              + " in "
              + (out.recoveries().get(0).resumedNanos() - out.recoveries().get(0).noticedNanos())
                  / 1_000_000
              + " ms; windows seen "
              + windows.get()
              + " of "
              + one.windows());
      assertEquals(1, out.recoveries().size());
      assertEquals(lost, out.recoveries().get(0).lost());
      assertEquals(2, out.nodes().size());
      assertEquals(one.traceSha256(), out.result().traceSha256());
      assertEquals(one.events(), out.result().events());
      // rounds are each driver's own (ADR 006): the observers see no stretch of time twice
      assertEquals(one.violations(), out.result().violations());
      assertEquals(0, repeated.get(), "the observers saw a stretch of virtual time twice");
      assertTrue(out.recoveries().get(0).resumedNanos() > 0);
      assertTrue(Files.size(reference) > 100_000, "a trace of " + Files.size(reference) + " bytes");
      assertEquals(-1L, Files.mismatch(reference, trace), "the trace files differ");
    }
  }
}
