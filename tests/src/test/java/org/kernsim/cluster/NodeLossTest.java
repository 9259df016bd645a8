package org.kernsim.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernsim.config.KernsimSettings;
import org.kernsim.engine.EndReason;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.TraceObserver;
import org.kernsim.engine.actor.Coordinator;
import org.kernsim.engine.cluster.ClusterDriver;
import org.kernsim.models.Models;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.scenario.Scenario;
import org.kernsim.trace.TraceFileWriter;

/**
 * A node that goes away in the middle of a run stops the run well within 30 s, with one message
 * naming the node and the last completed window, and a trace file valid up to that window.
 */
class NodeLossTest {
  private LocalCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) cluster.close();
  }

  @Test
  void aNodeThatLeavesMidRunStopsTheRunNamingItAndTheLastWindow(@TempDir Path dir)
      throws Exception {
    cluster = LocalCluster.start(3);
    Scenario s =
        Models.load(
            "machine-stop",
            List.of("machine.cpus=12", "machine.numa-nodes=3", "scenario.until=10s"));
    Simulation sim = s.build();
    Path trace = dir.resolve("lost.jsonl");
    TraceFileWriter writer =
        new TraceFileWriter(trace, sim::entityName, Map.of("scenario", "machine-stop"));
    AtomicLong windows = new AtomicLong();
    TraceObserver progress =
        new TraceObserver() {
          @Override
          public void observe(TraceRecord record) {}

          @Override
          public void windowCompleted(long windowEnd) {
            windows.incrementAndGet();
          }
        };
    RunOptions o = RunOptions.of(5, s.until()).withObserver(writer).withObserver(progress);
    KernsimSettings.Cluster cs =
        KernsimSettings.from(cluster.system(0).settings().config()).cluster();
    CompletableFuture<ClusterDriver.Outcome> run =
        CompletableFuture.supplyAsync(
            () ->
                ClusterDriver.run(
                    cluster.system(0),
                    Models::simulation,
                    Models.clusterJob(s, sim),
                    o,
                    ClusterDriver.Target.of(3, 2, cs)));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (windows.get() < 200) {
      if (run.isDone()) fail("the run ended before the node was stopped: " + run.get());
      if (System.nanoTime() > deadline) fail("the run made no progress");
      Thread.sleep(20);
    }
    String lost = Cluster.get(cluster.system(2)).selfMember().address().toString();
    long t0 = System.nanoTime();
    cluster.kits.get(2).system().terminate(); // leaves the cluster and stops
    Throwable failure;
    try {
      ClusterDriver.Outcome out = run.get(30, TimeUnit.SECONDS);
      fail("the run completed: " + out.result().endReason());
      return;
    } catch (ExecutionException e) {
      failure = e.getCause();
    }
    long millis = (System.nanoTime() - t0) / 1_000_000;
    writer.abandon(); // as 'kernsim run' does
    Coordinator.RunFailed f = assertInstanceOf(Coordinator.RunFailed.class, failure);
    System.out.println("node loss detected in " + millis + " ms: " + f.describe());
    assertEquals(Coordinator.Cause.CLUSTER, f.failure());
    assertTrue(millis < 30_000, "took " + millis + " ms");
    assertTrue(f.describe().contains(lost), f.describe());
    // mid-run: rounds had completed (a round can complete several of the windows counted above,
    // so their numbers are not comparable)
    assertTrue(f.lastCompletedWindow() > 0 && f.lastCompletedNanos() > 0, f.describe());
    assertTrue(
        f.describe().contains("last completed window " + f.lastCompletedWindow()), f.describe());

    // the trace file: a header and complete records, all before the end of the last completed
    // window
    List<String> lines = Files.readAllLines(trace);
    assertTrue(lines.size() > 1, "trace has " + lines.size() + " lines");
    ObjectMapper json = new ObjectMapper();
    long last = -1;
    for (String line : lines.subList(1, lines.size())) {
      JsonNode n = json.readTree(line);
      long t = n.get("t").asLong();
      assertTrue(t >= last, "records out of order: " + line);
      last = t;
    }
    assertTrue(
        last < f.lastCompletedNanos(),
        "record at " + last + " after window end " + f.lastCompletedNanos());
    assertTrue(EndReason.values().length > 0);
  }
}
