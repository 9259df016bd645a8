package org.kernsim.trace.shiviz;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.kernsim.trace.Entities;
import org.kernsim.trace.OutputFiles;
import org.kernsim.trace.Sends;
import org.kernsim.trace.TraceFile;

/**
 * Exports trace records as a ShiViz log (https://bestchai.bitbucket.io/shiviz/): each record is an
 * event of its entity (the host), followed by the host's vector clock; a delivered message merges
 * the clock its sender had when it sent it (the sender's delivery during which it was sent, found
 * with {@code sendsFrom}), so ShiViz draws the happened-before graph of the run. The file starts
 * with the parsing regular expression and an empty line (no multiple executions), as ShiViz expects
 * of an uploaded file:
 *
 * <pre>
 * (?&lt;time&gt;\d+\.\d{9}s) (?&lt;event&gt;.*)\n(?&lt;host&gt;\S+) (?&lt;clock&gt;\{.*\})
 *
 * 300.000714770s note WqNote.Kicked pool=pool-u cpu=cpu0 worker=kworker/u:3 ...
 * pool-u {"pool-u":41,"workload/3":12,"kworker/u:0":30}
 * </pre>
 *
 * Clocks count only the exported records' hosts; a message whose sending is not in the export ticks
 * its receiver's clock alone. ShiViz is for windows of a run ({@code --from/--to}, {@code
 * --involving}), but it streams: each host keeps the clocks of its last {@link #DEPTH} deliveries
 * for the messages still to arrive (compact arrays), so memory grows with the hosts and their
 * clocks, not with the records; a message sent longer ago than that ticks its receiver alone
 * ({@link #lost}).
 */
public final class ShiVizLog implements AutoCloseable {
  /** How many of a host's past deliveries keep their clock (for messages sent during them). */
  public static final int DEPTH = 32;

  public static final String REGEX =
      "(?<time>\\d+\\.\\d{9}s) (?<event>.*)\\n(?<host>\\S+) (?<clock>\\{.*\\})";

  /** A vector clock: entity ids in increasing order and their counts (compact, immutable). */
  private record Clock(int[] ids, long[] counts) {
    static final Clock EMPTY = new Clock(new int[0], new long[0]);

    long get(int id) {
      int i = java.util.Arrays.binarySearch(ids, id);
      return i >= 0 ? counts[i] : 0;
    }

    /** The entry-wise maximum of this and {@code o}, with {@code self} counted once more. */
    Clock mergeTick(Clock o, int self) {
      int[] ri = new int[ids.length + o.ids.length + 1];
      long[] rc = new long[ri.length];
      int i = 0, j = 0, n = 0;
      boolean ticked = false;
      while (i < ids.length || j < o.ids.length || !ticked) {
        int a = i < ids.length ? ids[i] : Integer.MAX_VALUE;
        int b = j < o.ids.length ? o.ids[j] : Integer.MAX_VALUE;
        int k = Math.min(a, b);
        if (!ticked && self < k) {
          ri[n] = self;
          rc[n++] = 1;
          ticked = true;
          continue;
        }
        long v = Math.max(a == k ? counts[i] : 0, b == k ? o.counts[j] : 0);
        if (k == self) {
          v++;
          ticked = true;
        }
        ri[n] = k;
        rc[n++] = v;
        if (a == k) i++;
        if (b == k) j++;
      }
      return new Clock(java.util.Arrays.copyOf(ri, n), java.util.Arrays.copyOf(rc, n));
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path target;
  private final Path temp;
  private final Writer w;
  private final Entities entities;
  private final Sends sends = new Sends(4096);
  private final Map<Integer, Clock> clocks = new HashMap<>();
  private final Map<Integer, ArrayDeque<Object[]>> past = new HashMap<>(); // {ordinal, clock}
  private final StringBuilder line = new StringBuilder();
  private long ordinal;
  private long events;
  private long edges;
  private long lost;

  public ShiVizLog(Path target, com.fasterxml.jackson.databind.JsonNode header) {
    this.target = target;
    this.entities = Entities.of(header);
    try {
      this.temp = OutputFiles.temporaryFor(target);
      this.w = new BufferedWriter(Files.newBufferedWriter(temp, StandardCharsets.UTF_8), 1 << 16);
      w.write(REGEX);
      w.write("\n\n");
    } catch (IOException e) {
      throw OutputFiles.failed(target, e);
    }
  }

  public long events() {
    return events;
  }

  /** Messages drawn as edges (their sending is in the export). */
  public long edges() {
    return edges;
  }

  /** Messages whose sending is in the export but too long ago at its sender to have its clock. */
  public long lost() {
    return lost;
  }

  /**
   * Takes one record in file order (every record, so that sendings are found); writes the shown.
   */
  public void add(TraceFile.Line l, boolean shown) {
    ordinal++;
    boolean msg = l.kind().equals("msg");
    int at = entities.id(l.at());
    if (msg) sends.handled(at, l.json().path("sendsFrom").asLong(0), l.time(), ordinal);
    if (!shown || at < 0) return;
    Clock clock = clocks.getOrDefault(at, Clock.EMPTY);
    Clock sent = Clock.EMPTY;
    if (msg && l.src() != null && !l.src().equals(l.at())) {
      int src = entities.id(l.src());
      Sends.Origin o = sends.origin(src, l.json().path("seq").asLong());
      if (o != null && o.ordinal() >= 0) {
        Clock c = clockAt(src, o.ordinal());
        if (c != null) {
          sent = c;
          edges++;
        } else if (clocks.containsKey(src)) {
          lost++;
        }
      }
    }
    clock = clock.mergeTick(sent, at);
    clocks.put(at, clock);
    if (msg) {
      ArrayDeque<Object[]> p = past.computeIfAbsent(at, k -> new ArrayDeque<>());
      p.addLast(new Object[] {ordinal, clock});
      if (p.size() > DEPTH) p.removeFirst();
    }
    try {
      line.setLength(0);
      line.append(seconds(l.time())).append(' ').append(describe(l)).append('\n');
      line.append(l.at()).append(" {");
      for (int i = 0; i < clock.ids().length; i++) {
        if (i > 0) line.append(',');
        line.append(JSON.writeValueAsString(entities.name(clock.ids()[i])))
            .append(':')
            .append(clock.counts()[i]);
      }
      line.append("}\n");
      w.append(line);
      events++;
    } catch (IOException e) {
      throw OutputFiles.failed(target, e);
    }
  }

  /** The clock {@code host} had after its delivery {@code ordinal}, if kept. */
  private Clock clockAt(int host, long ordinal) {
    ArrayDeque<Object[]> p = past.get(host);
    if (p == null) return null;
    for (java.util.Iterator<Object[]> it = p.descendingIterator(); it.hasNext(); ) {
      Object[] e = it.next();
      long o = (Long) e[0];
      if (o == ordinal) return (Clock) e[1];
      if (o < ordinal) return null;
    }
    return null;
  }

  /** {@code 300.000714770s}: seconds with every nanosecond. */
  static String seconds(long nanos) {
    String ns = Long.toString(nanos % 1_000_000_000L);
    return nanos / 1_000_000_000L + "." + "0".repeat(9 - ns.length()) + ns + "s";
  }

  private static String describe(TraceFile.Line l) {
    String text =
        l.kind().equals("violation")
            ? "VIOLATION " + l.type() + ": " + l.json().path("message").asText()
            : l.kind()
                + " "
                + l.type()
                + (l.kind().equals("msg") && l.src() != null ? " from " + l.src() : "")
                + " "
                + TraceFile.fieldsText(l.json());
    return text.replace('\n', ' ').strip();
  }

  @Override
  public void close() {
    try {
      w.close();
      OutputFiles.publish(temp, target);
    } catch (IOException e) {
      discard();
      throw OutputFiles.failed(target, e);
    }
  }

  public void discard() {
    try {
      w.close();
    } catch (IOException e) {
      // discarding anyway
    }
    OutputFiles.discard(temp);
  }
}
