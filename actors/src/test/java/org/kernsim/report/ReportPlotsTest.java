package org.kernsim.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernsim.engine.TraceObserver;
import org.kernsim.run.RunSpec;
import org.kernsim.run.Runner;
import org.kernsim.trace.Chromium;

/**
 * A run's report has its plots: time series observed from the run's notes (without recording
 * everything) and latency CDFs; it renders in headless Chromium with no console error.
 */
class ReportPlotsTest {

  private static int count(String s, String needle) {
    int n = 0;
    for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) n++;
    return n;
  }

  private static String report(Path dir, String scenario, long seed) throws Exception {
    RunSeries series = new RunSeries();
    RunSpec spec = RunSpec.schedule(scenario, List.of(), seed, -1, null);
    Runner.Outcome o = Runner.run(spec, null, null, List.<TraceObserver>of(series));
    Path page = dir.resolve(scenario + ".html");
    HtmlReport.run(page, o.scenario(), seed, spec.replayCommand(), o.result(), null, series);
    Chromium.Page p = Chromium.load(page, "", 1300, 4000);
    assertEquals(List.of(), p.console(), "console output while rendering the report");
    String html = Files.readString(page);
    assertTrue(
        !html.contains("<script src") && !html.contains("http://") && !html.contains("https://"),
        "self-contained, offline");
    return p.dom();
  }

  @Test
  void theSeriesObserverDoesNotTurnOnRecordingOfEverything() {
    assertTrue(!org.kernsim.engine.RunOptions.of(1, 1).withObserver(new RunSeries()).recordAll());
    assertTrue(
        org.kernsim.engine.RunOptions.of(1, 1)
            .withObserver(
                new TraceObserver() {
                  @Override
                  public void observe(org.kernsim.protocol.engine.TraceRecord r) {}
                })
            .recordAll(),
        "an observer of every record (a trace file) does");
  }

  @Test
  void stopMachineOverTimeAndItsLatencyCdf(@TempDir Path dir) throws Exception {
    String dom = report(dir, "machine-stop", 2);
    for (String title :
        List.of("stop_machine() calls", "stop_machine stall", "CPUs held by stop_machine"))
      assertTrue(dom.contains("<figcaption>" + title + "</figcaption>"), title);
    assertTrue(count(dom, "<svg class=\"series\"") >= 3, "time series plots");
    assertTrue(dom.contains("stopMachineNanos (CDF)") && dom.contains("<svg class=\"cdf\""), "CDF");
    assertTrue(count(dom, "class=\"line\"") >= 4, "the plotted lines");
  }

  @Test
  void poolSizesAndQueuesOfTheKickCullRun(@TempDir Path dir) throws Exception {
    String dom = report(dir, "workqueue-kick-cull", 518);
    assertTrue(dom.contains("<figcaption>Worker pools</figcaption>"));
    assertTrue(dom.contains("<figcaption>Queue lengths</figcaption>"));
    assertTrue(dom.contains("idle kworkers (nr_idle)") && dom.contains("work items on worklists"));
    // the five idle minutes before the burst are folded, not drawn as empty width
    assertTrue(dom.contains("\u2248"), "a folded quiet stretch");
  }
}
