package org.kernsim.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.workqueue.WqNote;

/**
 * The report's queue latency: from each item's {@code insert_work()} to its {@code
 * process_one_work()}, summarised per millisecond of virtual time as p50, p99 and max.
 */
class RunSeriesQueueLatencyTest {

  private static TraceRecord note(long t, Object note) {
    return new TraceRecord.Note(t, 0, 0, note);
  }

  @Test
  void percentilesPerMillisecondOfTheItemsStartedInIt() {
    RunSeries s = new RunSeries();
    // first millisecond: 100 items, item i waits (i + 1) us
    for (int i = 0; i < 100; i++) {
      s.observe(note(10_000, new WqNote.WorkQueued(0, 0, i, 5, 1)));
      s.observe(note(10_000 + (i + 1) * 1_000L, new WqNote.WorkStarted(0, 0, 7, i, 0)));
    }
    // third millisecond: one item that waited 1.5 ms; an item that never starts counts nowhere
    s.observe(note(1_000_000, new WqNote.WorkQueued(1, 1, 500, 6, 1)));
    s.observe(note(1_000_000, new WqNote.WorkQueued(1, 1, 501, 6, 2)));
    s.observe(note(2_500_000, new WqNote.WorkStarted(1, 1, 8, 500, 1)));
    Map<String, List<RunSeries.Series>> plots = s.plots();
    String title =
        plots.keySet().stream().filter(k -> k.startsWith("Queue latency")).findFirst().orElse("");
    List<RunSeries.Series> q = plots.get(title);
    assertEquals(List.of("p50", "p99", "max"), q.stream().map(RunSeries.Series::name).toList());
    for (RunSeries.Series x : q) {
      assertEquals(2, x.size(), x.name());
      assertEquals(0, x.time(0));
      assertEquals(2_000_000, x.time(1));
      assertEquals(1_500_000, x.value(1), 1_500_000 * 0.01, x.name());
    }
    assertEquals(50_000, q.get(0).value(0), 500, "p50 of 1..100 us");
    assertEquals(99_000, q.get(1).value(0), 990, "p99");
    assertEquals(100_000, q.get(2).value(0), 1000, "max");
    assertTrue(s.observes().contains(WqNote.WorkStarted.class));
  }
}
