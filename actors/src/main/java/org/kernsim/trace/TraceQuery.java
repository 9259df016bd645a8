package org.kernsim.trace;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A filter over trace records: by entity, type (glob), kind, time range and field values at any
 * depth, by number or by name ({@code worker=kworker/u:3}, {@code item=workload/3#10} follows one
 * work item through every message and note that names it); {@code follow} keeps the records at or
 * from one entity and those whose fields name it (an entity, a work item or a probe). Traces
 * written before records carried names ({@code named} false) follow an entity by its number.
 */
public record TraceQuery(
    List<String> at,
    List<String> involving,
    List<Pattern> types,
    List<String> kinds,
    long from,
    long to,
    List<String[]> where,
    String follow,
    int followId,
    boolean named) {

  public static TraceQuery all() {
    return new TraceQuery(
        List.of(), List.of(), List.of(), List.of(), 0, Long.MAX_VALUE, List.of(), null, -1, true);
  }

  public static Pattern glob(String g) {
    StringBuilder sb = new StringBuilder();
    for (char c : g.toCharArray()) {
      if (c == '*') sb.append(".*");
      else if (c == '?') sb.append('.');
      else sb.append(Pattern.quote(String.valueOf(c)));
    }
    return Pattern.compile(sb.toString());
  }

  public static List<String[]> parseWhere(List<String> clauses) {
    List<String[]> out = new ArrayList<>();
    for (String c : clauses) {
      int eq = c.indexOf('=');
      if (eq <= 0)
        throw new org.kernsim.scenario.BadInputException(
            "--where " + org.kernsim.scenario.Quote.value(c) + ": expected field=value");
      out.add(new String[] {c.substring(0, eq), c.substring(eq + 1)});
    }
    return out;
  }

  public boolean matches(TraceFile.Line l) {
    if (l.time() < from || l.time() > to) return false;
    if (follow != null
        && !l.at().equals(follow)
        && !follow.equals(l.src())
        && !(named
            ? TraceFile.hasName(l.json().get("n"), null, follow)
            : followId >= 0 && TraceFile.hasNumber(l.json().get("f"), followId))) {
      return false;
    }
    if (!kinds.isEmpty() && !kinds.contains(l.kind())) return false;
    if (!at.isEmpty() && !at.contains(l.at())) return false;
    if (!involving.isEmpty()
        && !involving.contains(l.at())
        && (l.src() == null || !involving.contains(l.src()))) return false;
    if (!types.isEmpty() && types.stream().noneMatch(p -> p.matcher(l.type()).matches()))
      return false;
    for (String[] w : where) {
      if (!TraceFile.hasField(l.json().get("f"), w[0], w[1])
          && !TraceFile.hasName(l.json().get("n"), w[0], w[1])) return false;
    }
    return true;
  }
}
