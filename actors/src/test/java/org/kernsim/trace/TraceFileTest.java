package org.kernsim.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trace file: its end record, truncation, and the names beside the numbers. */
class TraceFileTest {

  @Test
  void aCompleteTraceEndsWithTheRecordCountAndTheRunsHash() {
    Path t = TraceFixtures.seed518();
    TraceFile.Scan scan = TraceFile.scan(t, l -> {}, null);
    assertNull(scan.truncated(), scan.truncated());
    assertNotNull(scan.end());
    assertEquals(scan.records(), scan.end().get("records").asLong());
    assertEquals(
        TraceFixtures.seed518Outcome().result().traceSha256(),
        scan.end().get("traceSha256").asText());
    assertEquals(
        TraceFixtures.seed518Outcome().result().events(), scan.end().get("events").asLong());
  }

  @Test
  void aTraceCutShortIsReadUpToWhereItStopsAndReportedAsTruncated(@TempDir Path dir)
      throws IOException {
    byte[] all = Files.readAllBytes(TraceFixtures.seed518());
    // cut at a line boundary: no end record
    int cut = 0;
    for (int i = 0, lines = 0; i < all.length; i++)
      if (all[i] == '\n' && ++lines == 500) cut = i + 1;
    Path lines = dir.resolve("lines.jsonl");
    Files.write(lines, java.util.Arrays.copyOf(all, cut));
    TraceFile.Scan s = TraceFile.scan(lines, l -> {}, null);
    assertEquals(499, s.records());
    assertTrue(s.truncated().contains("no end record"), s.truncated());
    // cut inside a line
    Path half = dir.resolve("half.jsonl");
    Files.write(half, java.util.Arrays.copyOf(all, cut + 40));
    s = TraceFile.scan(half, l -> {}, null);
    assertEquals(499, s.records());
    assertTrue(s.truncated().contains("incomplete"), s.truncated());
    // a gzip stream cut short
    Path gz = dir.resolve("t.jsonl.gz");
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
      o.write(all);
    }
    byte[] z = Files.readAllBytes(gz);
    Files.write(gz, java.util.Arrays.copyOf(z, z.length / 2));
    s = TraceFile.scan(gz, l -> {}, null);
    assertTrue(s.records() > 0 && s.truncated() != null, String.valueOf(s.truncated()));
    // the end record's count must match
    String text = new String(all, java.nio.charset.StandardCharsets.UTF_8);
    int lastLine = text.lastIndexOf('\n', text.length() - 2) + 1;
    Path missing = dir.resolve("missing.jsonl");
    Files.writeString(
        missing, text.substring(0, text.indexOf('\n') + 1) + text.substring(lastLine));
    s = TraceFile.scan(missing, l -> {}, null);
    assertTrue(s.truncated().contains("end record counts"), s.truncated());
  }

  @Test
  void numbersThatNameSomethingCarryTheirNames() {
    Path t = TraceFixtures.seed518();
    JsonNode header = TraceFile.header(t);
    JsonNode naming = header.get("naming");
    assertEquals("entity", naming.get("fields").get("worker").asText());
    assertEquals("work-item", naming.get("types").get("WorkItem").get("id").asText());
    List<String> unnamed = new ArrayList<>();
    int[] kicksOfU3 = {0};
    TraceFile.read(
        t,
        l -> {
          JsonNode f = l.json().get("f");
          JsonNode n = l.json().get("n");
          if (f == null) return;
          // every non-negative entity, CPU or work item field has its name beside it
          for (Iterator<Map.Entry<String, JsonNode>> it = f.fields(); it.hasNext(); ) {
            var e = it.next();
            JsonNode kindOf = naming.get("types").path(l.type()).get(e.getKey());
            String kind =
                kindOf != null
                    ? kindOf.asText(null)
                    : naming.get("fields").path(e.getKey()).asText(null);
            if (kind == null || !e.getValue().isIntegralNumber() || e.getValue().asLong() < 0)
              continue;
            if (n == null || !n.has(e.getKey())) unnamed.add(l.lineNumber() + ": " + e.getKey());
          }
          if (l.type().equals("WqNote.Kicked")
              && n.get("worker").asText().equals("kworker/u:3")
              && n.get("pool").asText().equals("pool-u")) kicksOfU3[0]++;
          if (l.type().equals("PoolRequest.QueueWork"))
            assertTrue(
                n.get("item.id")
                    .asText()
                    .matches("workload/\\d#\\d+|(idle_cull_work|dwork)\\(.+\\)"),
                n.toString());
        });
    assertEquals(List.of(), unnamed);
    assertTrue(kicksOfU3[0] >= 3, "kick_pool picked kworker/u:3 (and again): " + kicksOfU3[0]);
  }

  @Test
  void filtersSpeakNames() {
    Path t = TraceFixtures.seed518();
    int u3 = TraceFile.entityId(TraceFile.header(t), "kworker/u:3");
    List<TraceFile.Line> byName = matching(t, "worker", "kworker/u:3");
    List<TraceFile.Line> byNumber = matching(t, "worker", String.valueOf(u3));
    assertTrue(byName.size() >= 10, "records about kworker/u:3: " + byName.size());
    assertEquals(byNumber.size(), byName.size(), "names and numbers select the same records");
    // one work item, through the queueing, the run and its end
    List<TraceFile.Line> item = matching(t, "item", "workload/3#10");
    List<String> types = item.stream().map(TraceFile.Line::type).toList();
    assertTrue(
        types.containsAll(
            List.of(
                "PoolRequest.QueueWork",
                "WqNote.WorkQueued",
                "WqNote.WorkStarted",
                "WqNote.WorkCompleted")),
        types.toString());
    TraceQuery follow =
        new TraceQuery(
            List.of(),
            List.of(),
            List.of(),
            List.of(),
            0,
            Long.MAX_VALUE,
            List.of(),
            "workload/3#10",
            -1,
            true);
    List<TraceFile.Line> followed = new ArrayList<>();
    TraceFile.read(
        t,
        l -> {
          if (follow.matches(l)) followed.add(l);
        });
    assertEquals(item.size(), followed.size());
  }

  private static List<TraceFile.Line> matching(Path t, String field, String value) {
    TraceQuery q =
        new TraceQuery(
            List.of(),
            List.of(),
            List.of(),
            List.of(),
            0,
            Long.MAX_VALUE,
            List.<String[]>of(new String[] {field, value}),
            null,
            -1,
            true);
    List<TraceFile.Line> out = new ArrayList<>();
    TraceFile.read(
        t,
        l -> {
          if (q.matches(l)) out.add(l);
        });
    return out;
  }
}
