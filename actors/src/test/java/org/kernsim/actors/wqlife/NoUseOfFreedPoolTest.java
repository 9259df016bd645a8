package org.kernsim.actors.wqlife;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kernsim.actors.machine.Machine;
import org.kernsim.actors.timer.TimerConfig;
import org.kernsim.actors.workqueue.WqTopology;
import org.kernsim.engine.Checker;
import org.kernsim.engine.Latency;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.workqueue.PoolRequest;
import org.kernsim.protocol.workqueue.WqNote;
import org.kernsim.protocol.wqlife.LifeNote;

/**
 * {@link NoUseOfFreedPool} on hand-written records: with exact timers the idle timer's expiry is
 * its callback; with v6.13's wheel the expiry is only the bucket becoming due (the deferrable
 * callback waits for its CPU's tick), and the callback run from the timer softirq is the touch.
 */
class NoUseOfFreedPoolTest {

  static WqTopology topology(TimerConfig timers) {
    WqTopology t =
        new WqTopology(
            new Machine.Latencies(
                Latency.fixed(200),
                Latency.fixed(5_000),
                Latency.fixed(1_000),
                Latency.fixed(2_000),
                Latency.fixed(100),
                Latency.fixed(200),
                Latency.fixed(1_000_000),
                1_000_000),
            2,
            4);
    t.machine.placeAndTime(t.machine.placement(), timers);
    return t;
  }

  static final class Collect implements Checker.Checks {
    final List<String> fired = new ArrayList<>();

    @Override
    public void violation(long atNanos, int entity, String message) {
      fired.add(atNanos + " " + message);
    }

    @Override
    public String name(int entity) {
      return "e" + entity;
    }
  }

  /** Freed at 1 ms; the re-armed idle timer's expiry at 300 s; its callback at 332.769 s. */
  static List<String> run(TimerConfig timers) {
    WqTopology topo = topology(timers);
    int pool = topo.unboundPool();
    NoUseOfFreedPool c = new NoUseOfFreedPool(topo);
    Collect k = new Collect();
    c.observe(new TraceRecord.Note(1_000_000, pool, 0, new LifeNote.PoolFreed(pool)), k);
    long due = 300_000_000_000L;
    c.observe(
        new TraceRecord.Delivered(due, pool, 1, pool, 7, new PoolRequest.IdleTimerFired(), 8), k);
    long softirq = 332_769_000_000L;
    c.observe(
        new TraceRecord.Note(softirq, pool, 2, new WqNote.IdleTimeout(pool, 1, false, false, -1)),
        k);
    Map<String, Object> m = new java.util.HashMap<>();
    c.contribute(m);
    k.fired.add("touches " + m.get("useOfFreedPool") + " due " + m.get("idleTimersDueOnFreedPool"));
    return k.fired;
  }

  @Test
  void exactTimersTheExpiryIsTheCallback() {
    List<String> f = run(TimerConfig.EXACT);
    assertEquals(2, f.size(), f.toString());
    assertTrue(
        f.get(0)
            .startsWith(
                "300000000000 a timer armed after put_unbound_pool(): idle_timer fires (idle_worker_timeout())"),
        f.get(0));
    assertEquals(
        "touches 1 due null", f.get(1), "the note that follows the callback is not a second touch");
  }

  @Test
  void theWheelTheCallbackFromTheSoftirqIsTheTouch() {
    List<String> f = run(new TimerConfig(TimerConfig.Wheel.V6_13, -1));
    assertEquals(2, f.size(), f.toString());
    assertTrue(
        f.get(0)
            .startsWith(
                "332769000000 idle_timer fires (idle_worker_timeout(), from the timer softirq of CPU 1)"),
        f.get(0));
    assertEquals("touches 1 due 1", f.get(1), "the bucket's expiry is no touch");
  }

  @Test
  void nothingBeforeTheFree() {
    WqTopology topo = topology(new TimerConfig(TimerConfig.Wheel.V6_13, -1));
    int pool = topo.unboundPool();
    NoUseOfFreedPool c = new NoUseOfFreedPool(topo);
    Collect k = new Collect();
    c.observe(
        new TraceRecord.Note(5, pool, 0, new WqNote.IdleTimeout(pool, 1, false, false, -1)), k);
    c.observe(
        new TraceRecord.Delivered(6, pool, 1, pool, 7, new PoolRequest.IdleTimerFired(), 8), k);
    assertEquals(List.of(), k.fired);
  }
}
