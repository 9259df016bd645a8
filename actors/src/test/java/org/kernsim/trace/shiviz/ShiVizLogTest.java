package org.kernsim.trace.shiviz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kernsim.trace.TraceFile;
import org.kernsim.trace.TraceFixtures;

/**
 * The ShiViz log of the seed-518 race parses with the regex on its first line and keeps ShiViz's
 * rules for vector clocks: each host's own entry starts at 1 and grows by one per event, and a
 * received message's clock covers the clock its sender had when it sent it.
 */
class ShiVizLogTest {

  @Test
  void vectorClocksAsShiVizWantsThem(@TempDir Path dir) throws Exception {
    Path trace = TraceFixtures.seed518();
    Path log = dir.resolve("race.log");
    ShiVizLog s = new ShiVizLog(log, TraceFile.header(trace));
    TraceFile.read(
        trace, l -> s.add(l, l.time() >= 300_000_700_000L && l.time() <= 300_001_800_000L));
    s.close();
    List<String> lines = Files.readAllLines(log);
    assertEquals(ShiVizLog.REGEX, lines.get(0));
    assertEquals("", lines.get(1), "no multiple executions");
    // ShiViz's regex dialect: JavaScript named groups, the same in Java for this one
    Pattern p = Pattern.compile(lines.get(0).replace("\\n", "\n"));
    String body = String.join("\n", lines.subList(2, lines.size()));
    Matcher m = p.matcher(body);
    Map<String, Long> own = new HashMap<>();
    ObjectMapper json = new ObjectMapper();
    int events = 0;
    boolean kickEdge = false;
    Map<String, Long> poolAtKick = null;
    while (m.find()) {
      events++;
      String host = m.group("host");
      String event = m.group("event");
      Map<String, Long> clock = json.readValue(m.group("clock"), new TypeReference<>() {});
      long mine = clock.get(host);
      assertEquals(own.getOrDefault(host, 0L) + 1, mine, "host " + host + " counts by one");
      own.put(host, mine);
      // pool-u's delivery at the kick (u:0's lock request): the wake-up is sent while handling it
      if (host.equals("pool-u")
          && m.group("time").equals("300.000714770s")
          && event.startsWith("msg ")
          && poolAtKick == null) poolAtKick = clock;
      if (host.equals("kworker/u:3")
          && event.startsWith("msg WakeUp from pool-u")
          && m.group("time").equals("300.000715164s")) {
        // the kick's wake-up: u:3 now knows of pool-u's events up to the kick
        kickEdge =
            poolAtKick != null && clock.getOrDefault("pool-u", 0L) >= poolAtKick.get("pool-u") - 2;
      }
    }
    assertEquals(s.events(), events, "every event parses");
    assertTrue(s.edges() > 50, "messages as edges: " + s.edges());
    assertTrue(kickEdge, "the kick's WakeUp is an edge from pool-u to kworker/u:3");
  }
}
