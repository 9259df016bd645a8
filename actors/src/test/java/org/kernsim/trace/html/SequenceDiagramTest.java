package org.kernsim.trace.html;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernsim.trace.Chromium;
import org.kernsim.trace.TraceFile;
import org.kernsim.trace.TraceFixtures;

/** The sequence diagram, rendered by headless Chromium. */
class SequenceDiagramTest {

  private static int attr(String dom, String name) {
    Matcher m = Pattern.compile(name + "=\"(\\d+)\"").matcher(dom);
    assertTrue(m.find(), "no " + name + " on the page");
    return Integer.parseInt(m.group(1));
  }

  private static int count(String dom, String needle) {
    int n = 0;
    for (int i = dom.indexOf(needle); i >= 0; i = dom.indexOf(needle, i + 1)) n++;
    return n;
  }

  @Test
  void aSmallTraceDrawsOneArrowPerMessageAndNoConsoleError(@TempDir Path dir) throws Exception {
    Path trace = TraceFixtures.seed518();
    Path page = dir.resolve("race.html");
    SequenceDiagram d = new SequenceDiagram(page, "seed 518, the race", 0);
    long[] messages = {0};
    TraceFile.read(
        trace,
        l -> {
          if (l.time() < 300_000_700_000L || l.time() > 300_001_800_000L) return;
          d.add(l);
          if (l.kind().equals("msg") && !l.src().equals(l.at())) messages[0]++;
        });
    d.close();
    assertTrue(d.rows() > 100 && d.rows() < 400, "rows " + d.rows());
    // a window tall enough for every row: all are drawn
    Chromium.Page p = Chromium.load(page, "", 1600, (int) (d.rows() * 22 + 400));
    assertEquals(List.of(), p.console(), "console output (errors) while rendering");
    assertEquals(d.rows(), attr(p.dom(), "data-rows"));
    assertEquals(messages[0], attr(p.dom(), "data-arrows"));
    assertEquals(messages[0], count(p.dom(), "class=\"arrow\""));
    // lane headers, and the violation row marked as the focus
    assertTrue(p.dom().contains("<div class=\"lane\""), "lane headers");
    assertTrue(p.dom().contains(">kworker/u:3</div>") && p.dom().contains(">pool-u</div>"));
    assertTrue(p.dom().contains("class=\"row focus\""), "the focus row");
    assertTrue(p.dom().contains("VIOLATION NoKickedWorkerCulled"), "the violation band");
  }

  @Test
  void theWholeRunOpensAtTheViolationAndDrawsOnlyWhatIsOnScreen(@TempDir Path dir)
      throws Exception {
    Path trace = TraceFixtures.seed518();
    Path page = dir.resolve("all.html");
    SequenceDiagram d = new SequenceDiagram(page, "seed 518", 0);
    TraceFile.read(trace, d::add);
    d.close();
    Chromium.Page p = Chromium.load(page, "", 1400, 900);
    assertEquals(List.of(), p.console());
    int drawn = attr(p.dom(), "data-rows");
    assertTrue(drawn < 120, "drawn " + drawn + " of " + d.rows() + " rows");
    // the rows on screen are those around the violation (at 300.0017 s, not t = 0)
    assertTrue(p.dom().contains("class=\"row focus\""), "the focus row is on screen");
    assertTrue(p.dom().contains("300.001749714s"));
    assertTrue(!p.dom().contains(">0.000000100s<"), "not the warm-up");
  }
}
