package org.kernsim.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.kernsim.config.KernsimSettings;
import org.kernsim.engine.Placement;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.TraceObserver;
import org.kernsim.engine.cluster.ClusterDriver;
import org.kernsim.models.Models;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.stopmachine.StopMachineMessage;
import org.kernsim.protocol.stopmachine.StopMachineMessage.StopPhase;
import org.kernsim.scenario.Scenario;

/**
 * stop_machine over CPUs on three cluster nodes: with {@code machine.numa-nodes} = 3 and the same
 * number of partitions per node, each cluster node hosts exactly one NUMA node's CPUs and its
 * acknowledgement combiner, so each barrier phase crosses nodes 2 x (nodes - 1) times — the
 * barrier's fan-out to the other nodes' combiners and their combined acknowledgements — for 24 CPUs
 * as for 96.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StopMachineAcrossNodesTest {
  static final int NODES = 3;
  static final int PER_NODE = 2;

  private LocalCluster cluster;

  @BeforeAll
  void start() {
    cluster = LocalCluster.start(NODES);
  }

  @AfterAll
  void stop() {
    if (cluster != null) cluster.close();
  }

  record Count(Map<String, Long> perPhase, long barrierOnTheWire, long ops) {}

  Count run(int cpus) {
    Scenario s =
        Models.load(
            "machine-stop",
            List.of(
                "machine.cpus=" + cpus,
                "machine.numa-nodes=" + NODES,
                "scenario.until=4ms",
                "load.stop-interval=300us",
                "load.synchronize=false",
                "load.stop-machines=2"));
    Simulation sim = s.build();
    Placement placement = new Placement(sim, NODES * PER_NODE);
    int[] node = new int[sim.entityCount()];
    for (int id = 0; id < node.length; id++) {
      node[id] = Placement.nodeOfPartition(placement.partitionOf(id), NODES * PER_NODE, NODES);
    }
    // the alignment: CPU i on cluster node (i * nodes / cpus), NUMA combiner n on cluster node n
    for (int id = 0; id < node.length; id++) {
      String name = sim.entityName(id);
      if (name.matches("cpu\\d+")) {
        int i = Integer.parseInt(name.substring(3));
        assertEquals((int) ((long) i * NODES / cpus), node[id], name);
      } else if (name.matches("numa\\d+")) {
        assertEquals(Integer.parseInt(name.substring(4)), node[id], name);
      }
    }
    List<TraceRecord.Delivered> barrier = new ArrayList<>();
    TraceObserver collect =
        r -> {
          if (r instanceof TraceRecord.Delivered d
              && (d.payload() instanceof StopMachineMessage.StopWork
                  || d.payload() instanceof StopMachineMessage.PhaseChanged
                  || d.payload() instanceof StopMachineMessage.PhaseAcked)) {
            barrier.add(d);
          }
        };
    KernsimSettings.Cluster cs =
        KernsimSettings.from(cluster.system(0).settings().config()).cluster();
    ClusterDriver.Outcome out =
        ClusterDriver.run(
            cluster.system(0),
            Models::simulation,
            Models.clusterJob(s, sim),
            RunOptions.of(11, s.until()).withObserver(collect),
            ClusterDriver.Target.of(NODES, PER_NODE, cs));
    Map<String, Long> perPhase = new TreeMap<>();
    for (TraceRecord.Delivered d : barrier) {
      if (node[d.src()] == node[d.entity()]) continue;
      Object p = d.payload();
      String key =
          p instanceof StopMachineMessage.StopWork w
              ? "op" + w.op() + " " + StopPhase.PREPARE + " fan-out"
              : p instanceof StopMachineMessage.PhaseChanged c
                  ? "op" + c.op() + " " + c.phase() + " fan-out"
                  : "op"
                      + ((StopMachineMessage.PhaseAcked) p).op()
                      + " "
                      + ((StopMachineMessage.PhaseAcked) p).phase()
                      + " acks";
      perPhase.merge(key, 1L, Long::sum);
    }
    Map<String, Long> wire = out.crossNodeEvents();
    long onTheWire =
        wire.getOrDefault("StopMachineMessage.StopWork", 0L)
            + wire.getOrDefault("StopMachineMessage.PhaseChanged", 0L)
            + wire.getOrDefault("StopMachineMessage.PhaseAcked", 0L);
    long ops = ((Number) out.result().metrics().getOrDefault("stopMachineCount", 0L)).longValue();
    System.out.printf(
        "stop_machine on %d nodes, %d CPUs: %d ops, cross-node barrier messages per phase %s, on the wire %d, all cross-node events %s%n",
        NODES, cpus, ops, perPhase, onTheWire, wire);
    return new Count(perPhase, onTheWire, ops);
  }

  @Test
  void crossNodeMessagesPerPhaseGrowWithNodesNotCpus() {
    Count small = run(24);
    Count large = run(96);
    for (Count c : List.of(small, large)) {
      assertTrue(c.ops() >= 2, "stop_machine ran " + c.ops() + " times");
      // each phase: (nodes - 1) fan-out messages and (nodes - 1) combined acknowledgements
      Map<String, Long> perPhaseTotal = new TreeMap<>();
      c.perPhase()
          .forEach((k, v) -> perPhaseTotal.merge(k.substring(0, k.lastIndexOf(' ')), v, Long::sum));
      assertTrue(perPhaseTotal.size() >= 4 * c.ops(), "phases seen: " + perPhaseTotal);
      for (Map.Entry<String, Long> e : perPhaseTotal.entrySet()) {
        assertTrue(
            e.getValue() <= 2L * (NODES - 1),
            e.getKey() + ": " + e.getValue() + " cross-node messages");
      }
      // what the trace says crossed nodes is what the partitions actually sent over the wire
      long fromTrace = c.perPhase().values().stream().mapToLong(Long::longValue).sum();
      assertEquals(fromTrace, c.barrierOnTheWire());
    }
    // 4x the CPUs, the same cross-node traffic per phase
    assertEquals(
        small.perPhase().values().stream().mapToLong(Long::longValue).max().orElse(-1),
        large.perPhase().values().stream().mapToLong(Long::longValue).max().orElse(-2));
    assertEquals(small.barrierOnTheWire() / small.ops(), large.barrierOnTheWire() / large.ops());
  }
}
