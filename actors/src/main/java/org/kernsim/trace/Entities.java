package org.kernsim.trace;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The entities of a trace, from its header: names by id, ids by name, and each one's kind (the
 * name's leading word: {@code cpu3} is a {@code cpu}, {@code kworker/u:3} a {@code kworker}, {@code
 * pool-u} a {@code pool}), which the exports use to group tracks.
 */
public final class Entities {
  private final List<String> names;
  private final Map<String, Integer> ids;

  private Entities(List<String> names) {
    this.names = names;
    this.ids = new HashMap<>(Math.max(16, names.size() * 2));
    for (int i = 0; i < names.size(); i++) ids.putIfAbsent(names.get(i), i);
  }

  public static Entities of(JsonNode header) {
    List<String> names = new ArrayList<>();
    JsonNode e = header == null ? null : header.get("entities");
    if (e != null) for (JsonNode n : e) names.add(n.asText());
    return new Entities(names);
  }

  public int size() {
    return names.size();
  }

  /** The id of {@code name}, or -1. */
  public int id(String name) {
    if (name == null) return -1;
    Integer i = ids.get(name);
    return i == null ? -1 : i;
  }

  public String name(int id) {
    return id >= 0 && id < names.size() ? names.get(id) : "entity" + id;
  }

  /**
   * {@code cpu3} -> {@code cpu}, {@code kworker/u:3} -> {@code kworker}, {@code pool-u} -> pool.
   */
  public static String kind(String name) {
    int i = 0;
    while (i < name.length() && (Character.isLetter(name.charAt(i)) || name.charAt(i) == '_')) i++;
    String k = name.substring(0, i);
    return k.isEmpty() ? name : k;
  }

  /** The CPU index of a CPU entity's name ({@code cpu3} -> 3), or -1. */
  public static int cpuIndex(String name) {
    if (name == null || !name.startsWith("cpu") || name.length() == 3) return -1;
    for (int i = 3; i < name.length(); i++) if (!Character.isDigit(name.charAt(i))) return -1;
    return Integer.parseInt(name.substring(3));
  }
}
