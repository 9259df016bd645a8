package org.kernsim.scenario;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The effective value of every setting of a scenario: defaults, then the file, then {@code --set}.
 */
public final class Settings {
  private final Map<String, Setting> schema;
  private final Map<String, Object> values;

  Settings(Map<String, Setting> schema, Map<String, Object> values) {
    this.schema = schema;
    this.values = values;
  }

  /** Settings with every default (for tests and programmatic runs), then {@code overrides}. */
  public static Settings defaults(ModelFactory model, Map<String, String> overrides) {
    return Scenarios.fromMap(model, overrides).settings();
  }

  private Object get(String key) {
    if (!values.containsKey(key)) throw new IllegalArgumentException("no setting " + key);
    return values.get(key);
  }

  /** An integer setting the model uses as an {@code int}; a larger value is bad input. */
  public int intValue(String key) {
    long v = (Long) get(key);
    if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE)
      throw new BadInputException(
          key + " = " + v + ": too large for this model (at most " + Integer.MAX_VALUE + ")");
    return (int) v;
  }

  public long longValue(String key) {
    return (Long) get(key);
  }

  /** A duration setting, in nanoseconds. */
  public long nanos(String key) {
    return (Long) get(key);
  }

  public double number(String key) {
    return (Double) get(key);
  }

  public boolean bool(String key) {
    return (Boolean) get(key);
  }

  public String text(String key) {
    return (String) get(key);
  }

  /** A latency setting, as a distribution. */
  public org.kernsim.engine.Latency latency(String key) {
    return Latencies.parse((String) get(key));
  }

  public boolean has(String key) {
    return values.containsKey(key);
  }

  /** The value as written in the run JSON and accepted by {@code --set}. */
  public String asText(String key) {
    return String.valueOf(schema.get(key).display(get(key)));
  }

  /** The setting behind {@code key}. */
  public Setting setting(String key) {
    return schema.get(key);
  }

  /** The raw effective value (a Long, Double, Boolean or String). */
  public Object value(String key) {
    return get(key);
  }

  /** Every setting and its effective value, in schema order, as shown in the run JSON. */
  public Map<String, Object> effective() {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Setting> e : schema.entrySet()) {
      if (e.getKey().equals("scenario.description")) continue;
      out.put(e.getKey(), e.getValue().display(values.get(e.getKey())));
    }
    return out;
  }

  /** The effective values as {@code key -> text}, enough to rebuild these settings anywhere. */
  public Map<String, String> asOverrides() {
    Map<String, String> out = new LinkedHashMap<>();
    for (String k : schema.keySet()) out.put(k, asText(k));
    return Collections.unmodifiableMap(out);
  }

  Map<String, Object> values() {
    return values;
  }
}
