package org.kernsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kernsim.cli.CliTest.assertBadInput;
import static org.kernsim.cli.CliTest.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 'kernsim trace' with every export at once, on a seed-518 trace: one pass writes them all, the
 * HTML page holds the records around the violation, a truncated trace is said to be, a bad output
 * path is bad input and nothing is left behind.
 */
class TraceExportsCliTest {

  @Test
  void everyExportOfOneTraceInOnePass(@TempDir Path dir) throws Exception {
    Path trace = dir.resolve("t.jsonl");
    CliTest.Out run =
        cli(
            "run",
            "workqueue-kick-cull",
            "--seed",
            "518",
            "--trace",
            trace.toString(),
            "--no-timeline");
    assertEquals(ExitCodes.VIOLATION, run.code(), run.err());
    Path json = dir.resolve("t.json");
    Path dat = dir.resolve("t.dat");
    Path log = dir.resolve("t.log");
    Path html = dir.resolve("t.html");
    CliTest.Out o =
        cli(
            "trace",
            trace.toString(),
            "--chrome",
            json.toString(),
            "--ftrace",
            dat.toString(),
            "--shiviz",
            log.toString(),
            "--html",
            html.toString(),
            "--limit",
            "300");
    assertEquals(ExitCodes.OK, o.code(), o.err());
    for (String w : List.of("t.json (", "t.dat (", "t.log (", "t.html ("))
      assertTrue(o.err().contains(w), o.err());
    assertTrue(o.err().contains("opens at the first violation"), o.err());
    assertTrue(new ObjectMapper().readTree(json.toFile()).get("traceEvents").size() > 1000);
    byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(dat), 10);
    assertEquals("tracing", new String(head, 3, 7, java.nio.charset.StandardCharsets.US_ASCII));
    assertTrue(Files.readAllLines(log).get(0).startsWith("(?<time>"));
    String page = Files.readString(html);
    assertEquals(300, page.lines().filter(l -> l.matches("\\[\\d+,[012],.*\\],")).count());
    assertTrue(page.contains("NoKickedWorkerCulled"), "the window holds the violation");
    try (var s = Files.list(dir)) {
      assertEquals(5, s.count(), "no temporary file left behind");
    }

    // a trace cut short is said to be, and still exported
    List<String> lines = Files.readAllLines(trace);
    Path cut = dir.resolve("cut.jsonl");
    Files.write(cut, lines.subList(0, lines.size() / 2));
    CliTest.Out c = cli("trace", cut.toString(), "--summary");
    assertEquals(ExitCodes.OK, c.code(), c.err());
    assertTrue(c.err().contains("is truncated: no end record"), c.err());

    // a bad output path: one line, exit 2, nothing written
    assertBadInput(
        cli("trace", trace.toString(), "--ftrace", dir.resolve("no/dir/x.dat").toString()),
        "--ftrace",
        "does not exist");
    assertBadInput(
        cli("trace", trace.toString(), "--shiviz", dir.toString()), "--shiviz", "directory");
  }
}
