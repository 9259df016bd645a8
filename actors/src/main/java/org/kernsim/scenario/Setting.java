package org.kernsim.scenario;

import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * One scenario setting: its key (as written in a scenario file and in {@code --set key=value}), its
 * type and range, its default and what it means.
 */
public sealed interface Setting
    permits Setting.IntSetting,
        Setting.DoubleSetting,
        Setting.BoolSetting,
        Setting.ChoiceSetting,
        Setting.DurationSetting,
        Setting.LatencySetting,
        Setting.TextSetting {

  String key();

  String description();

  Object defaultValue();

  /** Converts and checks a HOCON value; throws {@link IllegalArgumentException} with the reason. */
  Object parse(ConfigValue value);

  /** How the value is shown in the run JSON's {@code settings}. */
  default Object display(Object value) {
    return value;
  }

  /** A short form of the type and range, for messages and {@code kernsim settings}. */
  String expected();

  /**
   * An integer in {@code [min, max]}; with {@code atMost} (the key of another integer setting, or
   * null) it may not exceed that setting's effective value ({@code machine.numa-nodes} at most
   * {@code machine.cpus}), checked once the file and every override are applied.
   */
  record IntSetting(
      String key, long min, long max, Long defaultValue, String description, String atMost)
      implements Setting {

    public IntSetting(String key, long min, long max, Long defaultValue, String description) {
      this(key, min, max, defaultValue, description, null);
    }

    /** This setting, which may not exceed the integer setting {@code other}. */
    public IntSetting atMost(String other) {
      return new IntSetting(key, min, max, defaultValue, description, other);
    }

    @Override
    public Object parse(ConfigValue v) {
      Object raw = v.unwrapped();
      long n;
      if (v.valueType() == ConfigValueType.NUMBER && raw instanceof Number num) {
        if (num instanceof Double d && d != Math.rint(d))
          throw new IllegalArgumentException("expected an integer");
        // a double beyond the long range would saturate silently
        if (num instanceof Double d && (d >= 0x1p63 || d < -0x1p63))
          throw new IllegalArgumentException("out of range " + expected());
        n = num.longValue();
      } else if (v.valueType() == ConfigValueType.STRING) {
        try {
          n = Long.parseLong(((String) raw).trim().replace("_", ""));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("expected an integer");
        }
      } else {
        throw new IllegalArgumentException("expected an integer");
      }
      if (n < min || n > max) throw new IllegalArgumentException("out of range " + expected());
      return n;
    }

    @Override
    public String expected() {
      return "integer in ["
          + min
          + ", "
          + (max == Long.MAX_VALUE ? "inf" : max)
          + "]"
          + (atMost == null ? "" : ", at most " + atMost);
    }
  }

  record DoubleSetting(String key, double min, double max, Double defaultValue, String description)
      implements Setting {
    @Override
    public Object parse(ConfigValue v) {
      double d;
      if (v.valueType() == ConfigValueType.NUMBER) {
        d = ((Number) v.unwrapped()).doubleValue();
      } else if (v.valueType() == ConfigValueType.STRING) {
        try {
          d = Double.parseDouble(((String) v.unwrapped()).trim());
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("expected a number");
        }
      } else {
        throw new IllegalArgumentException("expected a number");
      }
      if (!(d >= min && d <= max)) throw new IllegalArgumentException("out of range " + expected());
      return d;
    }

    @Override
    public String expected() {
      return "number in [" + min + ", " + max + "]";
    }
  }

  record BoolSetting(String key, Boolean defaultValue, String description) implements Setting {
    @Override
    public Object parse(ConfigValue v) {
      if (v.valueType() == ConfigValueType.BOOLEAN) return v.unwrapped();
      if (v.valueType() == ConfigValueType.STRING) {
        String s = ((String) v.unwrapped()).trim().toLowerCase(Locale.ROOT);
        if (s.equals("true") || s.equals("on") || s.equals("yes")) return true;
        if (s.equals("false") || s.equals("off") || s.equals("no")) return false;
      }
      throw new IllegalArgumentException("expected true or false");
    }

    @Override
    public String expected() {
      return "true or false";
    }
  }

  record ChoiceSetting(String key, List<String> choices, String defaultValue, String description)
      implements Setting {
    @Override
    public Object parse(ConfigValue v) {
      String s;
      if (v.valueType() == ConfigValueType.STRING) {
        s = ((String) v.unwrapped()).trim();
      } else if (v.valueType() == ConfigValueType.NUMBER) {
        // a choice that reads as a number (a kernel version, 6.13, 7.0): its text as written, or
        // the one choice with its value
        s = v.render(com.typesafe.config.ConfigRenderOptions.concise()).trim();
        if (!choices.contains(s)) {
          double n = ((Number) v.unwrapped()).doubleValue();
          for (String c : choices) {
            try {
              if (Double.parseDouble(c) == n) s = c;
            } catch (NumberFormatException notANumber) {
              // a choice that is not a number cannot be meant
            }
          }
        }
      } else {
        throw new IllegalArgumentException("expected one of " + choices);
      }
      if (!choices.contains(s))
        throw new IllegalArgumentException("expected one of " + String.join(", ", choices));
      return s;
    }

    @Override
    public String expected() {
      return "one of " + String.join(", ", choices);
    }
  }

  /** A duration, written as in HOCON ({@code 300s}, {@code 5ms}, {@code 2us}); held in ns. */
  record DurationSetting(
      String key, long minNanos, long maxNanos, Long defaultValue, String description)
      implements Setting {
    @Override
    public Object parse(ConfigValue v) {
      long nanos;
      if (v.valueType() == ConfigValueType.STRING || v.valueType() == ConfigValueType.NUMBER) {
        try {
          nanos = Durations.parse(String.valueOf(v.unwrapped()));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("expected a duration such as 300s, 5ms, 2us or 800ns");
        }
      } else {
        throw new IllegalArgumentException("expected a duration such as 300s, 5ms, 2us or 800ns");
      }
      if (nanos < minNanos || nanos > maxNanos) {
        throw new IllegalArgumentException("out of range " + expected());
      }
      return nanos;
    }

    @Override
    public Object display(Object value) {
      return Durations.format((Long) value);
    }

    @Override
    public String expected() {
      return "duration in ["
          + Durations.format(minNanos)
          + ", "
          + (maxNanos == Long.MAX_VALUE ? "inf" : Durations.format(maxNanos))
          + "]";
    }
  }

  /**
   * A latency distribution: {@code fixed(2us)}, {@code uniform(100ns, 400ns)} or {@code
   * lognormal(median, sigma, min, max)} such as {@code lognormal(5us, 0.8, 1us, 200us)}.
   */
  record LatencySetting(String key, String defaultValue, String description) implements Setting {
    @Override
    public Object parse(ConfigValue v) {
      if (v.valueType() != ConfigValueType.STRING) {
        throw new IllegalArgumentException("expected " + expected());
      }
      String text = ((String) v.unwrapped()).trim();
      org.kernsim.engine.Latency l = Latencies.parse(text); // throws with the reason
      return Latencies.format(l);
    }

    @Override
    public String expected() {
      return "fixed(D), uniform(MIN, MAX) or lognormal(MEDIAN, SIGMA, MIN, MAX)";
    }
  }

  record TextSetting(String key, String defaultValue, String description) implements Setting {
    @Override
    public Object parse(ConfigValue v) {
      if (v.valueType() == ConfigValueType.STRING
          || v.valueType() == ConfigValueType.NUMBER
          || v.valueType() == ConfigValueType.BOOLEAN) return String.valueOf(v.unwrapped());
      throw new IllegalArgumentException("expected a string");
    }

    @Override
    public String expected() {
      return "a string";
    }
  }

  public static IntSetting integer(String key, long min, long max, long def, String description) {
    return new IntSetting(key, min, max, def, description);
  }

  public static Setting number(String key, double min, double max, double def, String description) {
    return new DoubleSetting(key, min, max, def, description);
  }

  public static Setting bool(String key, boolean def, String description) {
    return new BoolSetting(key, def, description);
  }

  public static Setting choice(String key, List<String> choices, String def, String description) {
    return new ChoiceSetting(key, List.copyOf(choices), def, description);
  }

  public static Setting duration(
      String key, Duration min, Duration max, Duration def, String description) {
    return new DurationSetting(
        key,
        min.toNanos(),
        max == null ? Long.MAX_VALUE : max.toNanos(),
        def.toNanos(),
        description);
  }

  public static Setting latency(String key, String def, String description) {
    Latencies.parse(def);
    return new LatencySetting(key, def, description);
  }

  public static Setting text(String key, String def, String description) {
    return new TextSetting(key, def, description);
  }
}
