package org.kernsim.trace.html;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kernsim.trace.Entities;
import org.kernsim.trace.OutputFiles;
import org.kernsim.trace.TraceFile;

/**
 * A self-contained HTML sequence diagram of trace records (one file, inline script and style, no
 * external resource: it opens offline): one lifeline per entity, one row per record in canonical
 * order; a message is an arrow from its sender's lifeline to its receiver's, a note a box on its
 * entity's lifeline, a violation a red band across. The page draws only the rows and lifelines on
 * screen, so 100,000 records stay interactive; the lane headers stay at the top; it opens centred
 * on the first violation (or the first record of the export); a filter box keeps the records whose
 * entities or type contain every word typed (and the lanes they use); hovering a row shows its
 * time, entities, type and fields with names.
 *
 * <p>Records stream into the page as they are added; what it keeps in memory is per lane and type
 * (and the lanes of a few hundred rows around the focus), not per record.
 */
public final class SequenceDiagram implements AutoCloseable {
  private static final int NEIGHBOURHOOD = 100;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path target;
  private final Path temp;
  private final Writer w;
  private final String title;
  private final long left;
  private final Map<String, Integer> lanes = new LinkedHashMap<>();
  private final Map<String, Integer> types = new HashMap<>();
  private final List<String> typeNames = new ArrayList<>();
  private final ArrayDeque<int[]> recent = new ArrayDeque<>(); // lanes of the last rows
  private final Map<Integer, Integer> nearFocus = new LinkedHashMap<>(); // lane -> rows
  private final Map<Integer, Integer> firstRows = new LinkedHashMap<>(); // lanes of the first rows
  private long rows;
  private long focus = -1;
  private long afterFocus;
  private long arrows;
  private boolean closed;

  /**
   * @param left how many matching records of the trace are not in the page (said on the page)
   */
  public SequenceDiagram(Path target, String title, long left) {
    this.target = target;
    this.title = title;
    this.left = left;
    try {
      this.temp = OutputFiles.temporaryFor(target);
      this.w = new BufferedWriter(Files.newBufferedWriter(temp, StandardCharsets.UTF_8), 1 << 16);
      w.write("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
      w.write(esc(title));
      w.write("</title>\n<style>\n");
      w.write(resource("sequence.css"));
      w.write("</style></head><body>\n<div id=\"top\"><h3>");
      w.write(esc(title));
      w.write(
          "</h3><input id=\"filter\" placeholder=\"filter: entity or type words, e.g. kworker/u:3"
              + " WakeUp\" autocomplete=\"off\"> <span id=\"count\"></span>"
              + "<div class=\"legend\"><span>&#8594; message (sender to receiver)</span>"
              + "<span style=\"background:#fff3c4\">note</span>"
              + "<span style=\"background:#eef5ee\">timer</span>"
              + "<span style=\"background:#fdd\">violation</span>"
              + "<span>hover a row for its fields</span></div></div>\n"
              + "<div id=\"view\"><div id=\"sheet\"><div id=\"heads\"></div>"
              + "<svg id=\"rows\" xmlns=\"http://www.w3.org/2000/svg\"><defs><marker id=\"head\""
              + " markerWidth=\"8\" markerHeight=\"8\" refX=\"7\" refY=\"3\" orient=\"auto\">"
              + "<path d=\"M0,0 L7,3 L0,6 z\" fill=\"#1f5fa8\"/></marker></defs></svg>"
              + "</div></div><div id=\"tip\"></div>\n<script>var R=[\n");
    } catch (IOException e) {
      throw OutputFiles.failed(target, e);
    }
  }

  /** Adds one record as the next row. */
  public void add(TraceFile.Line l) {
    int at = lane(l.at());
    int src = l.src() != null && l.kind().equals("msg") ? lane(l.src()) : -1;
    int kind = l.kind().equals("msg") ? 0 : l.kind().equals("note") ? 1 : 2;
    String text = kind == 2 ? l.json().path("message").asText() : TraceFile.fieldsText(l.json());
    if (kind == 0 && src >= 0 && src != at) arrows++;
    try {
      w.write('[');
      w.write(Long.toString(l.time()));
      w.write(',');
      w.write(Integer.toString(kind));
      w.write(',');
      w.write(Integer.toString(at));
      w.write(',');
      w.write(Integer.toString(src));
      w.write(',');
      w.write(Integer.toString(type(l.type())));
      w.write(',');
      w.write(js(text));
      w.write("],\n");
    } catch (IOException e) {
      throw OutputFiles.failed(target, e);
    }
    // the lanes around the focus (the first violation, else the first rows) come first
    if (focus < 0 && kind == 2) {
      focus = rows;
      for (int[] r : recent) add(r);
      recent.clear();
    }
    if (focus >= 0) {
      if (afterFocus++ < NEIGHBOURHOOD) add(new int[] {at, src});
    } else {
      recent.addLast(new int[] {at, src});
      if (recent.size() > NEIGHBOURHOOD) recent.removeFirst();
      if (rows < 2L * NEIGHBOURHOOD) {
        firstRows.merge(at, 1, Integer::sum);
        if (src >= 0) firstRows.merge(src, 1, Integer::sum);
      }
    }
    rows++;
  }

  private void add(int[] r) {
    nearFocus.merge(r[0], 1, Integer::sum);
    if (r[1] >= 0) nearFocus.merge(r[1], 1, Integer::sum);
  }

  public long rows() {
    return rows;
  }

  /** Messages between two entities: the arrows the page draws. */
  public long arrows() {
    return arrows;
  }

  private int lane(String name) {
    return lanes.computeIfAbsent(name, k -> lanes.size());
  }

  private int type(String name) {
    Integer t = types.get(name);
    if (t == null) {
      t = typeNames.size();
      types.put(name, t);
      typeNames.add(name);
    }
    return t;
  }

  /** Completes the page (lanes, types, the script) and moves it into place. */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    try {
      w.write("];</script>\n<script>var LANES=");
      List<String> laneNames = new ArrayList<>(lanes.keySet());
      w.write(safe(JSON.writeValueAsString(laneNames)));
      w.write(";\nvar TYPES=");
      w.write(safe(JSON.writeValueAsString(typeNames)));
      w.write(";\nvar ORDER=");
      w.write(JSON.writeValueAsString(order(laneNames)));
      Map<String, Object> meta = new LinkedHashMap<>();
      meta.put("focus", Math.max(0, focus));
      meta.put("violation", focus >= 0);
      meta.put("left", left);
      meta.put("title", title);
      w.write(";\nvar META=");
      w.write(safe(JSON.writeValueAsString(meta)));
      w.write(";</script>\n<script>\n");
      w.write(resource("sequence.js"));
      w.write("</script>\n</body></html>\n");
      w.close();
      OutputFiles.publish(temp, target);
    } catch (IOException e) {
      discard();
      throw OutputFiles.failed(target, e);
    }
  }

  /**
   * The lanes' order on the page: those of the rows around the focus first, the busiest there first
   * (so the story's arrows are short), then the rest (CPUs in numeric order, then in order of
   * appearance).
   */
  private List<Integer> order(List<String> names) {
    List<Integer> out = new ArrayList<>();
    Map<Integer, Integer> focusLanes = focus >= 0 ? nearFocus : firstRows;
    List<Integer> near = new ArrayList<>(focusLanes.keySet());
    near.sort((a, b) -> Integer.compare(focusLanes.get(b), focusLanes.get(a)));
    out.addAll(near);
    List<Integer> rest = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) if (!focusLanes.containsKey(i)) rest.add(i);
    for (List<Integer> group : List.of(rest)) {
      List<Integer> cpus = new ArrayList<>();
      List<Integer> others = new ArrayList<>();
      for (int i : group) {
        if (Entities.cpuIndex(names.get(i)) >= 0) cpus.add(i);
        else others.add(i);
      }
      cpus.sort(
          (a, b) ->
              Integer.compare(Entities.cpuIndex(names.get(a)), Entities.cpuIndex(names.get(b))));
      out.addAll(cpus);
      out.addAll(others);
    }
    return out;
  }

  /** The export failed: leave no file behind. */
  public void discard() {
    closed = true;
    try {
      w.close();
    } catch (IOException e) {
      // discarding anyway
    }
    OutputFiles.discard(temp);
  }

  private static String js(String s) throws IOException {
    return safe(JSON.writeValueAsString(s));
  }

  /** JSON inside a script element: never close it ({@code </script>}) or open a comment. */
  private static String safe(String json) {
    return json.replace("</", "<\\/").replace("<!--", "<\\!--");
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = SequenceDiagram.class.getResourceAsStream(name)) {
      if (in == null) throw new IOException("missing resource " + name);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
