package org.kernsim.trace;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kernsim.scenario.Durations;

/**
 * A self-contained HTML sequence diagram of trace records: one lifeline per entity (CPUs first),
 * one row per record in canonical order; a message is an arrow from its sender's lifeline to its
 * receiver's, drawn at its delivery time; a note is a box on its entity's lifeline; a violation is
 * a red band across. Hover a row for its fields. No script, no external resource: open it anywhere.
 */
public final class SequenceDiagram {
  private static final int COLUMN = 150;
  private static final int ROW = 22;
  private static final int LEFT = 130;
  private static final int TOP = 50;

  private final List<TraceFile.Line> rows = new ArrayList<>();
  private final Map<String, Integer> columns = new LinkedHashMap<>();
  private final int maxRows;
  private long dropped;

  public SequenceDiagram(int maxRows) {
    this.maxRows = maxRows;
  }

  public void add(TraceFile.Line l) {
    if (rows.size() >= maxRows) {
      dropped++;
      return;
    }
    rows.add(l);
  }

  public long dropped() {
    return dropped;
  }

  /** Writes the diagram to {@code target} (through a temporary file: never half-written). */
  public void write(Path target, String title) {
    for (TraceFile.Line l : rows) {
      if (l.src() != null) columns.putIfAbsent(l.src(), 0);
      columns.putIfAbsent(l.at(), 0);
    }
    List<String> names = new ArrayList<>(columns.keySet());
    names.sort(
        (a, b) -> {
          boolean ca = a.matches("cpu\\d+");
          boolean cb = b.matches("cpu\\d+");
          if (ca && cb)
            return Integer.compare(
                Integer.parseInt(a.substring(3)), Integer.parseInt(b.substring(3)));
          if (ca != cb) return ca ? -1 : 1;
          return 0; // the rest in order of first appearance
        });
    for (int i = 0; i < names.size(); i++) columns.put(names.get(i), i);
    int width = LEFT + Math.max(1, names.size()) * COLUMN + 40;
    int height = TOP + (rows.size() + 2) * ROW;
    try {
      Path temp = OutputFiles.temporaryFor(target);
      try (Writer w = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
        w.write(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>"
                + esc(title)
                + "</title>\n");
        w.write(
            "<style>body{font:12px sans-serif;margin:8px} svg text{font:11px monospace}"
                + " .msg{stroke:#1f5fa8;stroke-width:1.2} .note{fill:#fff3c4;stroke:#b59b3a} .viol{fill:#fdd;stroke:#c00}"
                + " .life{stroke:#bbb;stroke-dasharray:4 3} .head{fill:#eef;stroke:#88a} tr:hover{background:#eef}</style>\n");
        w.write("</head><body><h3>" + esc(title) + "</h3>\n");
        if (dropped > 0)
          w.write(
              "<p>"
                  + rows.size()
                  + " records shown, "
                  + dropped
                  + " more left out (narrow the filter).</p>\n");
        w.write(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\""
                + width
                + "\" height=\""
                + height
                + "\">\n");
        w.write(
            "<defs><marker id=\"arrow\" markerWidth=\"8\" markerHeight=\"8\" refX=\"7\" refY=\"3\" orient=\"auto\">"
                + "<path d=\"M0,0 L7,3 L0,6 z\" fill=\"#1f5fa8\"/></marker></defs>\n");
        for (int i = 0; i < names.size(); i++) {
          int x = x(i);
          w.write(
              "<rect class=\"head\" x=\""
                  + (x - COLUMN / 2 + 6)
                  + "\" y=\"8\" width=\""
                  + (COLUMN - 12)
                  + "\" height=\"22\" rx=\"4\"/><text x=\""
                  + x
                  + "\" y=\"23\" text-anchor=\"middle\">"
                  + esc(names.get(i))
                  + "</text>\n");
          w.write(
              "<line class=\"life\" x1=\""
                  + x
                  + "\" y1=\"30\" x2=\""
                  + x
                  + "\" y2=\""
                  + height
                  + "\"/>\n");
        }
        for (int r = 0; r < rows.size(); r++) {
          TraceFile.Line l = rows.get(r);
          int y = TOP + r * ROW + ROW / 2;
          String tip =
              esc(
                  Durations.pretty(l.time())
                      + "  "
                      + (l.src() != null ? l.src() + " -> " : "")
                      + l.at()
                      + "  "
                      + l.type()
                      + " "
                      + fields(l.json()));
          w.write("<g><title>" + tip + "</title>");
          w.write(
              "<text x=\"4\" y=\"" + (y + 4) + "\">" + esc(Durations.pretty(l.time())) + "</text>");
          int to = x(columns.get(l.at()));
          if (l.kind().equals("violation")) {
            w.write(
                "<rect class=\"viol\" x=\""
                    + LEFT
                    + "\" y=\""
                    + (y - 9)
                    + "\" width=\""
                    + (width - LEFT - 20)
                    + "\" height=\"18\"/><text x=\""
                    + (LEFT + 4)
                    + "\" y=\""
                    + (y + 4)
                    + "\">"
                    + esc("VIOLATION " + l.type() + ": " + l.json().path("message").asText())
                    + "</text>");
          } else if (l.kind().equals("msg") && l.src() != null && !l.src().equals(l.at())) {
            int from = x(columns.get(l.src()));
            w.write(
                "<line class=\"msg\" x1=\""
                    + from
                    + "\" y1=\""
                    + y
                    + "\" x2=\""
                    + (to + (to > from ? -3 : 3))
                    + "\" y2=\""
                    + y
                    + "\" marker-end=\"url(#arrow)\"/>");
            int mid = (from + to) / 2;
            w.write(
                "<text x=\""
                    + mid
                    + "\" y=\""
                    + (y - 3)
                    + "\" text-anchor=\"middle\">"
                    + esc(short_(l.type()))
                    + "</text>");
          } else {
            w.write(
                "<rect class=\"note\" x=\""
                    + (to - COLUMN / 2 + 8)
                    + "\" y=\""
                    + (y - 9)
                    + "\" width=\""
                    + (COLUMN - 16)
                    + "\" height=\"18\" rx=\"3\"/><text x=\""
                    + to
                    + "\" y=\""
                    + (y + 4)
                    + "\" text-anchor=\"middle\">"
                    + esc(short_(l.type()))
                    + "</text>");
          }
          w.write("</g>\n");
        }
        w.write("</svg>\n</body></html>\n");
      }
      OutputFiles.publish(temp, target);
    } catch (IOException e) {
      throw OutputFiles.failed(target, e);
    }
  }

  private static int x(int column) {
    return LEFT + column * COLUMN + COLUMN / 2;
  }

  private static String fields(JsonNode j) {
    JsonNode f = j.get("f");
    return f == null ? "" : f.toString();
  }

  private static String short_(String type) {
    int dot = type.lastIndexOf('.');
    String s = dot >= 0 && dot < type.length() - 1 ? type.substring(dot + 1) : type;
    return s.length() > 20 ? s.substring(0, 19) + "…" : s;
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
