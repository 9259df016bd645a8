package org.kernsim.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kernsim.actors.phold.PholdModel;
import org.kernsim.engine.actor.ActorDriver;
import org.kernsim.protocol.engine.FaultInjected;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.scenario.Scenarios;

class FaultPlanTest {

  private static Simulation phold(Map<String, String> extra) {
    Map<String, String> o =
        new HashMap<>(Map.of("phold.entities", "32", "phold.population", "4", "phold.ttl", "20"));
    o.putAll(extra);
    return Scenarios.fromMap(new PholdModel(), o).build();
  }

  private static long metric(RunResult r, String k) {
    Object v = r.metrics().get(k);
    return v == null ? 0 : ((Number) v).longValue();
  }

  @Test
  void delayedMessagesReplayFromTheSeedOnEveryDriver() {
    Simulation plain = phold(Map.of());
    Simulation faulty =
        phold(
            Map.of("faults.delay.probability", "0.3", "faults.delay.extra", "uniform(1us, 20us)"));
    RunOptions o = RunOptions.of(4, Long.MAX_VALUE);
    RunResult a = SequentialDriver.run(plain, o);
    List<TraceRecord> notes = new ArrayList<>();
    RunResult b =
        SequentialDriver.run(
            faulty,
            o.withObserver(
                r -> {
                  if (r instanceof TraceRecord.Note n && n.note() instanceof FaultInjected)
                    notes.add(r);
                }));
    RunResult c = ActorDriver.run(faulty, o, 2);
    assertEquals(a.events(), b.events(), "delays lose no message");
    assertNotEquals(a.traceSha256(), b.traceSha256());
    assertEquals(b.traceSha256(), c.traceSha256());
    assertTrue(b.simulatedNanos() > a.simulatedNanos());
    long delayed = metric(b, "faultsDelayed");
    assertTrue(
        delayed > 0.2 * b.events() && delayed < 0.4 * b.events(),
        "delayed " + delayed + " of " + b.events());
    assertEquals(delayed, notes.size());
    FaultInjected f = (FaultInjected) ((TraceRecord.Note) notes.get(0)).note();
    assertEquals("delay", f.kind());
    assertTrue(f.extraNanos() >= 1_000 && f.extraNanos() <= 20_000);
  }

  @Test
  void droppedMessagesAreAnAblationThatLosesEvents() {
    Simulation lossy = phold(Map.of("faults.drop.probability", "0.05", "faults.drop.types", "Hop"));
    RunResult r = SequentialDriver.run(lossy, RunOptions.of(4, Long.MAX_VALUE));
    assertTrue(metric(r, "faultsDropped") > 0);
    assertTrue(r.events() < 32L * 4 * 21);
    Simulation onlyOthers =
        phold(Map.of("faults.drop.probability", "1", "faults.drop.types", "WakeUp"));
    assertEquals(
        32L * 4 * 21, SequentialDriver.run(onlyOthers, RunOptions.of(4, Long.MAX_VALUE)).events());
  }

  /**
   * A delay holds its channel back: whatever one entity sends another arrives in send order, on
   * every driver, also when the fault plan delays some of it (a task's requests in program order
   * never overtake each other).
   */
  @Test
  void delayedMessagesKeepEachChannelInOrder() {
    Simulation faulty =
        Scenarios.fromMap(
                new PholdModel(),
                Map.of(
                    "phold.entities", "4",
                    "phold.population", "16",
                    "phold.ttl", "40",
                    // a fixed latency: without faults every channel is in order
                    "phold.mean-extra", "0s",
                    "faults.delay.probability", "0.3",
                    "faults.delay.extra", "uniform(1us, 20us)"))
            .build();
    RunOptions o = RunOptions.of(9, Long.MAX_VALUE);
    ChannelOrderTest.InOrder inOrder = new ChannelOrderTest.InOrder();
    RunResult r = SequentialDriver.run(faulty, o.withObserver(inOrder));
    assertTrue(metric(r, "faultsDelayed") > 100, r.metrics().toString());
    assertTrue(inOrder.checked > 1000, "messages checked: " + inOrder.checked);
    assertEquals(r.traceSha256(), ActorDriver.run(faulty, o, 2).traceSha256());
  }
}
