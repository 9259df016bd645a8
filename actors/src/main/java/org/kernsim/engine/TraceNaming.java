package org.kernsim.engine;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;
import java.util.function.LongFunction;

/**
 * How the numbers in a model's messages and notes resolve to the kernel's names: which fields hold
 * an entity id ({@code worker} → {@code kworker/u:3}), a CPU index, a work item ({@code item} →
 * {@code workload/3#10}), a probe ({@code probe} → {@code p3@0x4010}) or a text address. A model
 * declares this once ({@link Simulation#naming()}), by field name for every record type, with
 * per-type exceptions ({@code from} and {@code to} of {@code CpuNote.Switch} are tasks, those of a
 * {@code KprobeNote.Transition} are states). The trace writer puts the resolved names beside the
 * numbers of every record ({@code "n":{"worker":"kworker/u:3"}}) and the table itself in the trace
 * header, so filters ({@code --where worker=kworker/u:3}, {@code --follow workload/3#10}) and every
 * export speak names.
 *
 * <p>Immutable; {@link #and} combines the machine's table with a model's.
 */
public final class TraceNaming {

  /** What a number stands for. */
  public enum Kind {
    /** An entity id: its name ({@code kworker/u:3}, {@code pool-u}, {@code cpu2}). */
    ENTITY,
    /** A CPU index: the CPU's entity name ({@code cpu2}). */
    CPU,
    /** A work item id ({@code workload/3#10}). */
    WORK_ITEM,
    /** A probe id ({@code p3@0x4010}). */
    PROBE,
    /** A kernel text address ({@code 0x4010}). */
    ADDRESS;

    public String json() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** The table with no field: only the entities' own names ({@code at}, {@code src}). */
  public static final TraceNaming NONE =
      new TraceNaming(Map.of(), Map.of(), null, null, null, null);

  private final Map<String, Kind> fields;
  private final Map<String, Map<String, Kind>> byType; // a null kind: not a name in that type
  private final IntFunction<String> cpus;
  private final LongFunction<String> items;
  private final IntFunction<String> probes;
  private final IntFunction<String> addresses;

  private TraceNaming(
      Map<String, Kind> fields,
      Map<String, Map<String, Kind>> byType,
      IntFunction<String> cpus,
      LongFunction<String> items,
      IntFunction<String> probes,
      IntFunction<String> addresses) {
    this.fields = fields;
    this.byType = byType;
    this.cpus = cpus;
    this.items = items;
    this.probes = probes;
    this.addresses = addresses;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * What field {@code field} of a record of type {@code type} (as in traces: {@code WqNote.Kicked})
   * holds, or null when it is not a name.
   */
  public Kind kind(String type, String field) {
    Map<String, Kind> t = byType.get(type);
    if (t != null && t.containsKey(field)) return t.get(field);
    return fields.get(field);
  }

  /**
   * The name of {@code value} of kind {@code kind}, or null (a negative id means "none", as the
   * models use -1; a number the model cannot name stays a number).
   */
  public String name(Kind kind, long value, IntFunction<String> entities) {
    if (value < 0) return null;
    switch (kind) {
      case ENTITY:
        return value > Integer.MAX_VALUE ? null : entities.apply((int) value);
      case CPU:
        return cpus == null || value > Integer.MAX_VALUE ? null : cpus.apply((int) value);
      case WORK_ITEM:
        return items == null ? null : items.apply(value);
      case PROBE:
        return probes == null || value > Integer.MAX_VALUE ? null : probes.apply((int) value);
      case ADDRESS:
        return addresses == null || value > Integer.MAX_VALUE
            ? "0x" + Long.toHexString(value)
            : addresses.apply((int) value);
      default:
        return null;
    }
  }

  /** This table with {@code other}'s fields and resolvers added (other's win on a clash). */
  public TraceNaming and(TraceNaming other) {
    Map<String, Kind> f = new TreeMap<>(fields);
    f.putAll(other.fields);
    Map<String, Map<String, Kind>> t = new TreeMap<>();
    for (Map.Entry<String, Map<String, Kind>> e : byType.entrySet())
      t.put(e.getKey(), new TreeMap<>(e.getValue()));
    for (Map.Entry<String, Map<String, Kind>> e : other.byType.entrySet())
      t.computeIfAbsent(e.getKey(), k -> new TreeMap<>()).putAll(e.getValue());
    return new TraceNaming(
        Collections.unmodifiableMap(f),
        Collections.unmodifiableMap(t),
        other.cpus != null ? other.cpus : cpus,
        other.items != null ? other.items : items,
        other.probes != null ? other.probes : probes,
        other.addresses != null ? other.addresses : addresses);
  }

  /**
   * The table as written into the trace header: {@code {"fields": {"worker": "entity", ...},
   * "types": {"CpuNote.Switch": {"from": "entity", ...}}}} (a type's {@code null}: not a name).
   */
  public Map<String, Object> describe() {
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Object> f = new LinkedHashMap<>();
    for (Map.Entry<String, Kind> e : fields.entrySet()) f.put(e.getKey(), e.getValue().json());
    out.put("fields", f);
    Map<String, Object> t = new LinkedHashMap<>();
    for (Map.Entry<String, Map<String, Kind>> e : byType.entrySet()) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (Map.Entry<String, Kind> k : e.getValue().entrySet())
        m.put(k.getKey(), k.getValue() == null ? null : k.getValue().json());
      t.put(e.getKey(), m);
    }
    out.put("types", t);
    return out;
  }

  /** Declares a model's table. */
  public static final class Builder {
    private final Map<String, Kind> fields = new TreeMap<>();
    private final Map<String, Map<String, Kind>> byType = new TreeMap<>();
    private IntFunction<String> cpus;
    private LongFunction<String> items;
    private IntFunction<String> probes;
    private IntFunction<String> addresses;

    /** Every field named {@code field} holds a {@code kind} (in any record type). */
    public Builder field(Kind kind, String... fieldNames) {
      for (String n : fieldNames) fields.put(n, kind);
      return this;
    }

    /** In records of type {@code type}, {@code field} holds a {@code kind} (null: not a name). */
    public Builder in(String type, String field, Kind kind) {
      byType.computeIfAbsent(type, k -> new TreeMap<>()).put(field, kind);
      return this;
    }

    public Builder cpus(IntFunction<String> names) {
      this.cpus = names;
      return this;
    }

    public Builder workItems(LongFunction<String> names) {
      this.items = names;
      return this;
    }

    public Builder probes(IntFunction<String> names) {
      this.probes = names;
      return this;
    }

    public Builder addresses(IntFunction<String> names) {
      this.addresses = names;
      return this;
    }

    public TraceNaming build() {
      Map<String, Map<String, Kind>> t = new TreeMap<>();
      for (Map.Entry<String, Map<String, Kind>> e : byType.entrySet())
        t.put(e.getKey(), Collections.unmodifiableMap(new TreeMap<>(e.getValue())));
      return new TraceNaming(
          Collections.unmodifiableMap(new TreeMap<>(fields)),
          Collections.unmodifiableMap(t),
          cpus,
          items,
          probes,
          addresses);
    }
  }
}
