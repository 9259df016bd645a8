package org.kernsim.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kernsim.actors.phold.PholdModel;
import org.kernsim.engine.actor.ActorDriver;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.scenario.Scenarios;

/**
 * Every channel (one sender, one receiver) delivers in send order, whatever latencies are drawn:
 * program order as another CPU sees it. PHOLD draws an exponential delay per hop, so without the
 * rule a later hop to the same entity would often overtake an earlier one.
 */
class ChannelOrderTest {

  @Test
  void spreadLatenciesNeverReorderAChannel() {
    Simulation s =
        Scenarios.fromMap(
                new PholdModel(),
                Map.of(
                    "phold.entities", "4",
                    "phold.population", "32",
                    "phold.ttl", "60",
                    "phold.mean-extra", "2us"))
            .build();
    RunOptions o = RunOptions.of(5, Long.MAX_VALUE);
    InOrder inOrder = new InOrder();
    RunResult r = SequentialDriver.run(s, o.withObserver(inOrder));
    assertTrue(
        inOrder.followed > 1000,
        "messages that followed one on their channel: " + inOrder.followed);
    assertEquals(r.traceSha256(), ActorDriver.run(s, o, 2).traceSha256());
  }

  @Test
  void aMessageArrivesNoSoonerThanTheLastOneInFlightOnItsChannel() {
    ChannelClock c = new ChannelClock();
    assertEquals(500, c.hold(7, 500, 100)); // first on channel 7
    assertEquals(500, c.hold(7, 300, 110)); // drawn sooner: waits for the first
    assertEquals(250, c.hold(8, 250, 110)); // another channel is independent
    assertEquals(900, c.hold(7, 900, 120)); // later anyway: unchanged
    assertEquals(Map.of(7, 900L, 8, 250L), c.inFlight(120));
    assertEquals(Map.of(7, 900L), c.inFlight(300)); // channel 8's message has arrived
  }

  @Test
  void arrivedChannelsArePrunedAndTheRestSurviveGrowthAndASnapshot() {
    ChannelClock c = new ChannelClock();
    for (int to = 0; to < 1000; to++) c.hold(to, to * 10L + 5, to * 10L); // arrived before the next
    assertTrue(c.size() < 64, "channels kept: " + c.size()); // pruned as it would grow
    for (int to = 0; to < 1000; to++) c.hold(to, 1_000_000, 5_000); // all in flight
    assertEquals(1000, c.size());
    ChannelClock copy = ChannelClock.of(c.inFlight(5_000));
    for (int to = 0; to < 1000; to++) assertEquals(1_000_000, copy.hold(to, 6_000, 6_000));
    assertEquals(2_000_000, copy.hold(999, 2_000_000, 6_000));
  }

  /**
   * Fails the run when a message between two entities is delivered after a later send of the same
   * sender to the same receiver; counts what it checked.
   */
  static final class InOrder implements TraceObserver {
    private final Map<Long, Long> lastSeq = new HashMap<>();

    /** Messages delivered between two entities. */
    long checked;

    /** Of those, messages that had an earlier one on their channel. */
    long followed;

    @Override
    public void observe(TraceRecord rec) {
      if (!(rec instanceof TraceRecord.Delivered d) || d.src() == d.entity()) return;
      long channel = ((long) d.src() << 32) | d.entity();
      Long before = lastSeq.put(channel, d.seq());
      if (before != null) followed++;
      assertTrue(
          before == null || before < d.seq(),
          "entity "
              + d.entity()
              + " got send "
              + d.seq()
              + " of "
              + d.src()
              + " after its send "
              + before);
      checked++;
    }
  }
}
